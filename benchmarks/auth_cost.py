"""The cost of authenticating one JWT request: ours (the user from its Redis snapshot,
accounts.user_cache) against simplejwt's own (a query for the user on every request).

Both run in this process on the same token and user, alternating, `--rounds` times; each figure is
the best of three runs of `--requests` authentications, in microseconds.

    .venv/bin/python benchmarks/auth_cost.py [--requests 500] [--rounds 3]
"""

import argparse
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.support import benchmark_environment, database_ready  # noqa: E402

benchmark_environment(database="pp_transfers_bench", redis_db=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    database_ready()
    from django.test import RequestFactory
    from rest_framework.request import Request
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.authentication import BearerAuthentication
    from accounts.models import User

    user = User.objects.create_user(email=f"auth-cost-{User.objects.count()}@example.com", password=None)
    authorization = f"Bearer {AccessToken.for_user(user)}"
    factory = RequestFactory()

    def request() -> Request:
        return Request(factory.get("/v1/me", HTTP_AUTHORIZATION=authorization))

    ours, simplejwt = BearerAuthentication(), JWTAuthentication()
    ours.authenticate(request())  # the snapshot is now cached

    def microseconds(authentication) -> float:
        runs = timeit.repeat(lambda: authentication.authenticate(request()), number=args.requests, repeat=3)
        return min(runs) / args.requests * 1e6

    for round_number in range(args.rounds):
        cached, queried = microseconds(ours), microseconds(simplejwt)
        print(
            f"round {round_number + 1}: cached snapshot {cached:6.1f} µs   a query per request {queried:6.1f} µs"
            f"   ratio {cached / queried:.2f}"
        )
    print(f"Rerun: .venv/bin/python benchmarks/auth_cost.py --requests {args.requests} --rounds {args.rounds}")


if __name__ == "__main__":
    main()
