"""Id-cursor pagination, newest first, through a test-only list of users."""

import pytest

pytestmark = pytest.mark.usefixtures("test_urls")


@pytest.fixture
def users(django_user_model, user):
    """`user` (the caller) plus 14 more, oldest first."""
    more = [django_user_model.objects.create_user(email=f"page{i}@example.com", password=None) for i in range(14)]
    return [user, *more]


def ids(response) -> list[str]:
    return [row["id"] for row in response.json()["data"]["data"]]


def test_list_is_newest_first_with_default_limit_of_10(auth_client, users):
    response = auth_client.get("/v1/test/users")

    assert response.status_code == 200
    page = response.json()["data"]
    assert page["object"] == "list"
    assert page["url"] == "/v1/test/users"
    assert page["has_more"] is True
    assert ids(response) == [u.public_id for u in reversed(users)][:10]


def test_starting_after_returns_the_next_older_page(auth_client, users):
    newest_first = [u.public_id for u in reversed(users)]

    response = auth_client.get("/v1/test/users", {"limit": 10, "starting_after": newest_first[9]})

    assert ids(response) == newest_first[10:]
    assert response.json()["data"]["has_more"] is False


def test_ending_before_returns_the_newer_page_newest_first(auth_client, users):
    newest_first = [u.public_id for u in reversed(users)]

    response = auth_client.get("/v1/test/users", {"limit": 3, "ending_before": newest_first[5]})

    assert ids(response) == newest_first[2:5]
    assert response.json()["data"]["has_more"] is True


def test_walking_every_page_sees_each_object_once(auth_client, users):
    seen, cursor = [], None
    while True:
        params = {"limit": 4, **({"starting_after": cursor} if cursor else {})}
        page = auth_client.get("/v1/test/users", params).json()["data"]
        seen += [row["id"] for row in page["data"]]
        if not page["has_more"]:
            break
        cursor = page["data"][-1]["id"]

    assert seen == [u.public_id for u in reversed(users)]


def test_has_more_is_false_when_the_page_holds_everything(auth_client, users):
    response = auth_client.get("/v1/test/users", {"limit": 100})

    assert len(ids(response)) == len(users)
    assert response.json()["data"]["has_more"] is False


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5"])
def test_limit_outside_1_to_100_is_400_with_param_limit(auth_client, users, limit):
    response = auth_client.get("/v1/test/users", {"limit": limit})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"
    assert response.json()["error"]["param"] == "limit"


@pytest.mark.parametrize("limit", ["1", "100"])
def test_limit_bounds_are_accepted(auth_client, users, limit):
    response = auth_client.get("/v1/test/users", {"limit": limit})

    assert len(ids(response)) == min(int(limit), len(users))


@pytest.mark.parametrize("param", ["starting_after", "ending_before"])
def test_unknown_cursor_is_400_naming_the_cursor(auth_client, users, param):
    response = auth_client.get("/v1/test/users", {param: "usr_doesnotexist"})

    assert response.status_code == 400
    assert response.json()["error"]["param"] == param


def test_both_cursors_at_once_is_400(auth_client, users):
    response = auth_client.get(
        "/v1/test/users", {"starting_after": users[0].public_id, "ending_before": users[1].public_id}
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parameter_invalid"


def test_public_ids_are_prefixed_and_opaque(auth_client, users):
    for public_id in ids(auth_client.get("/v1/test/users", {"limit": 100})):
        prefix, _, random_part = public_id.partition("_")
        assert prefix == "usr"
        assert len(random_part) == 24
        assert not random_part.isdigit()
