"""Disputes: opened and ruled by the processor (its notifications), answered by the wallet's owner.

Every write runs in one transaction under the payment intent's row lock (`dispute_open`, so a
refund and a dispute of one payment are serialized) or the dispute's (`dispute_update`,
`dispute_close`, `dispute_rule`), and records its events there. Money moves only in
`dispute_postings` (withdrawal, reinstatement).
"""

from datetime import timedelta

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.api import audit_log_record
from fraud.api import ListEntry, assessment_label, blocklist_add
from payments.connectors import connector_get
from payments.errors import DisputeAlreadySubmitted, DisputeClosed, DisputeMissing
from payments.models import EVIDENCE_FIELDS, EVIDENCE_MAX_CHARACTERS, Dispute, PaymentIntent
from payments.representations import dispute_representation
from payments.services.dispute_postings import dispute_fee, reinstatement_post, withdrawal_post
from payments_platform.api.errors import ParameterInvalid
from payments_platform.api.ids import new_public_id
from payments_platform.observability import metrics
from wallets.api import wallet_owed_account
from webhooks.api import event_record

logger = structlog.get_logger(__name__)

OPEN_STATUSES = {Dispute.Status.NEEDS_RESPONSE, Dispute.Status.WARNING_NEEDS_RESPONSE}
RULED_STATUSES = {Dispute.Status.WON, Dispute.Status.LOST, Dispute.Status.WARNING_CLOSED}
ALREADY_REFUNDED_NOTE = (
    "The payment was already fully refunded when the dispute opened: no money was withdrawn. "
    "Ask the processor to reverse the dispute (the cardholder has their money back)."
)


def _record(dispute: Dispute, event_type: str, request_id: str = "") -> None:
    event_record(
        user=dispute.user, event_type=event_type, data_object=dispute_representation(dispute), request_id=request_id
    )
    if event_type in ("dispute.created", "dispute.closed"):  # GET /metrics: opened, and how they ended
        metrics.dispute_counted(status=dispute.status)


def _intent_for_charge(*, connector: str, charge_reference: str) -> PaymentIntent | None:
    return (
        PaymentIntent.objects.filter(connector=connector, connector_reference=charge_reference)
        .select_related("wallet")
        .first()
    )


def dispute_prepare(*, connector: str, charge_reference: str) -> None:
    """Before `dispute_open`'s transaction: make sure the wallet's owed account exists, committed
    (see `wallets.services.wallet_owed_account`), so money arriving meanwhile repays the debt."""
    intent = _intent_for_charge(connector=connector, charge_reference=charge_reference)
    if intent is not None:
        wallet_owed_account(wallet=intent.wallet)


def dispute_open(*, connector: str, data: dict, request_id: str = "") -> Dispute | None:
    """The processor opened a dispute (or an inquiry) on one of our charges; runs in the caller's
    transaction (the notification's). Returns None when no payment matches `data["charge"]`.

    Under the intent's row lock: the disputed amount is at most what was captured and not refunded.
    A dispute withdraws amount + DISPUTE_FEE (`dispute_postings.withdrawal_post`; what the wallet
    cannot cover becomes `balance.owed`) and records `dispute.created` and `dispute.funds_withdrawn`.
    An inquiry moves no money (`dispute.created` only). A dispute of a fully refunded payment is
    recorded with no money moved and an `operator_note`, audit-logged and logged for operators.
    A second notification of the same processor dispute returns the dispute it opened.
    """
    intent = (
        PaymentIntent.objects.select_for_update(of=("self",))
        .select_related("wallet", "wallet__owed_account", "user", "payment_method")
        .filter(connector=connector, connector_reference=data["charge"])
        .first()
    )
    if intent is None:
        return None
    existing = Dispute.objects.filter(connector=connector, processor_reference=data["dispute"]).first()
    if existing is not None:
        return existing
    status = data["status"]
    inquiry = status == Dispute.Status.WARNING_NEEDS_RESPONSE
    disputable = intent.amount_received - intent.amount_refunded
    reason = data["reason"] if data["reason"] in Dispute.Reason.values else Dispute.Reason.GENERAL
    now = timezone.now()
    dispute = Dispute(
        public_id=new_public_id("dp"),
        intent=intent,
        wallet=intent.wallet,
        user=intent.user,
        connector=connector,
        processor_reference=data["dispute"],
        amount=min(data["amount"], disputable) if disputable > 0 else data["amount"],
        currency=intent.currency,
        reason=reason,
        status=status,
        is_inquiry=inquiry,
        evidence_due_by=data.get("evidence_due_by") or now + timedelta(days=settings.DISPUTE_EVIDENCE_DAYS),
        created=now,
        updated=now,
    )
    withdraw = not inquiry and disputable > 0
    if not inquiry and not withdraw:
        dispute.operator_note = ALREADY_REFUNDED_NOTE
    if withdraw:
        dispute.fee = dispute_fee()
        dispute.withdrawal_entry = withdrawal_post(dispute=dispute, intent=intent, request_id=request_id)
    dispute.save(force_insert=True)
    _record(dispute, "dispute.created", request_id)
    if withdraw:
        _record(dispute, "dispute.funds_withdrawn", request_id)
    if dispute.operator_note:
        audit_log_record(
            action="dispute.needs_operator",
            actor=None,
            object_type="dispute",
            object_id=dispute.public_id,
            request_id=request_id,
            details={"payment_intent": intent.public_id, "note": dispute.operator_note},
        )
        logger.warning("dispute_needs_operator", dispute=dispute.public_id, payment_intent=intent.public_id)
    logger.info(
        "dispute_opened",
        dispute=dispute.public_id,
        payment_intent=intent.public_id,
        amount=dispute.amount,
        withdrawn=dispute.amount_withdrawn,
        owed=dispute.amount_owed,
        inquiry=inquiry,
    )
    return dispute


def _locked(*, user, public_id: str) -> Dispute:
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("intent", "wallet", "user")
        .filter(user=user, public_id=public_id)
        .first()
    )
    if dispute is None:
        raise DisputeMissing(f"No such dispute: {public_id!r}.", param="id")
    return dispute


def _validate_evidence(evidence: dict) -> None:
    unknown = sorted(set(evidence) - set(EVIDENCE_FIELDS))
    if unknown:
        raise ParameterInvalid(f"Unknown evidence field: {unknown[0]!r}.", param=f"evidence[{unknown[0]}]")
    size = sum(len(value) for value in evidence.values() if value)
    if size > EVIDENCE_MAX_CHARACTERS:
        raise ParameterInvalid(
            f"The evidence totals {size} characters; at most {EVIDENCE_MAX_CHARACTERS} are allowed.",
            param="evidence",
        )


def dispute_update(
    *, user, public_id: str, evidence: dict | None = None, submit: bool = False, request_id: str = ""
) -> Dispute:
    """Stage evidence (merged field by field into what was staged) or submit it, once.

    Under the dispute's row lock, so of two concurrent submits one wins and the other is 400
    `dispute_already_submitted` (also any update after a submission); a closed dispute is 400
    `dispute_closed`. Unknown evidence fields and a total beyond DISPUTE_EVIDENCE_MAX_CHARACTERS are
    400 `parameter_invalid` with nothing written. Records `dispute.updated`. A submission moves the
    dispute to under_review (an inquiry to warning_under_review) and, after commit (the caller's
    too), sends the evidence to the processor, which may rule later (a notification).
    """
    with transaction.atomic():
        dispute = _locked(user=user, public_id=public_id)
        if dispute.submission_count:
            raise DisputeAlreadySubmitted(param="submit" if submit else "evidence")
        if dispute.is_closed:
            raise DisputeClosed(param="id")
        merged = {**dispute.evidence, **(evidence or {})}
        _validate_evidence(merged)
        dispute.evidence = {key: value for key, value in merged.items() if value not in (None, "")}
        dispute.updated = timezone.now()
        if submit:
            dispute.submission_count += 1
            dispute.evidence_submitted_at = dispute.updated
            dispute.status = Dispute.Status.WARNING_UNDER_REVIEW if dispute.is_inquiry else Dispute.Status.UNDER_REVIEW
        dispute.save(update_fields=["evidence", "submission_count", "evidence_submitted_at", "status", "updated"])
        _record(dispute, "dispute.updated", request_id)
    logger.info("dispute_updated", dispute=dispute.public_id, submitted=submit)
    if submit:

        def send_after_commit() -> None:
            _send_evidence(dispute)

        # After the commit of the caller's transaction too (a keyed request runs in one): the
        # processor is an outside system. A named function: Django names it in its log line.
        transaction.on_commit(send_after_commit, robust=True)
    return dispute


def _send_evidence(dispute: Dispute) -> None:
    """Tell the processor (after commit: it is an outside system). A failure is logged; the dispute
    stays under review and an operator can resubmit through the processor's dashboard."""
    connector = connector_get(dispute.connector)
    submit = getattr(connector, "dispute_submit_evidence", None)
    if submit is None:
        return
    try:
        submit(dispute_reference=dispute.processor_reference, evidence=dispute.evidence)
    except Exception:  # any connector failure: logged, never a 500 after the commit
        logger.exception("dispute_evidence_send_failed", dispute=dispute.public_id)


def _report_lost(dispute: Dispute) -> None:
    """A lost dispute for fraud blocks the card and labels the payment as fraud, as a fraudulent refund does."""
    if dispute.reason != Dispute.Reason.FRAUDULENT or dispute.is_inquiry:
        return
    intent = dispute.intent
    if intent.payment_method_id is not None:
        blocklist_add(
            list_kind=ListEntry.Kind.CARD_FINGERPRINT,
            value=intent.payment_method.fingerprint,
            reason=f"dispute {dispute.public_id} of {intent.public_id} lost: fraudulent",
        )
    assessment_label(
        object_type="payment_intent", object_id=intent.public_id, fraudulent=True, source="dispute_lost_fraudulent"
    )


def dispute_close(*, user, public_id: str, request_id: str = "") -> Dispute:
    """The owner accepts the loss: `lost` (an inquiry: `warning_closed`); nothing more moves.
    400 `dispute_closed` when it is closed already. Records `dispute.closed`; a lost fraud dispute
    blocks the card."""
    with transaction.atomic():
        dispute = _locked(user=user, public_id=public_id)
        if dispute.is_closed:
            raise DisputeClosed(param="id")
        dispute.status = Dispute.Status.WARNING_CLOSED if dispute.is_inquiry else Dispute.Status.LOST
        dispute.updated = timezone.now()
        dispute.save(update_fields=["status", "updated"])
        if dispute.status == Dispute.Status.LOST:
            _report_lost(dispute)
        _record(dispute, "dispute.closed", request_id)
    logger.info("dispute_closed", dispute=dispute.public_id, status=dispute.status, by="owner")
    return dispute


def dispute_rule(*, connector: str, data: dict, request_id: str = "") -> Dispute | None:
    """The processor ruled (`data["status"]`: won, lost, warning_closed); in the caller's transaction.
    Returns None when no dispute matches. A closed dispute is left as it is (returned unchanged).

    Won: the amount and the fee come back (`reinstatement_post`, debt repaid first) with
    `dispute.funds_reinstated`. Lost: nothing more moves; a fraud dispute blocks the card.
    Always `dispute.closed`.
    """
    dispute = (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("intent", "intent__wallet", "intent__wallet__owed_account", "intent__payment_method", "user")
        .filter(connector=connector, processor_reference=data["dispute"])
        .first()
    )
    if dispute is None or dispute.is_closed:
        return dispute
    status = data["status"]
    if dispute.is_inquiry:
        status = Dispute.Status.WARNING_CLOSED
    dispute.status = status
    dispute.updated = timezone.now()
    reinstated = status == Dispute.Status.WON and dispute.withdrawal_entry_id is not None
    if reinstated:
        dispute.reinstatement_entry = reinstatement_post(dispute=dispute, intent=dispute.intent, request_id=request_id)
    dispute.save(update_fields=["status", "updated", "reinstatement_entry", "balance_transaction_ids"])
    if status == Dispute.Status.LOST:
        _report_lost(dispute)
    if reinstated:
        _record(dispute, "dispute.funds_reinstated", request_id)
    _record(dispute, "dispute.closed", request_id)
    logger.info("dispute_closed", dispute=dispute.public_id, status=status, by="processor")
    return dispute
