"""mini_program_api.errors: one JSON error shape for every failure under /api, never a 500 for bad input."""

from tests.factories import assert_error


def test_unknown_api_path_is_json_404(world):
    assert_error(world.client.get("/api/v1/nothing-here"), 404)


def test_wrong_method_is_json_405(world):
    assert_error(world.client.delete("/api/v1/verifications"), 405)


NOT_JSON = [
    ("token=abc", "application/x-www-form-urlencoded"),
    ("just text", "text/plain"),
    ('{"token": "abc"', "application/json"),
    ("null", "application/json"),
    (b"\xff\xfe\x00", "application/json"),
]


def test_a_body_that_is_not_json_is_400_everywhere(world, subtests):
    before = world.snapshot()
    paths = ["/api/v1/verifications", "/api/v1/auth/token", "/api/v1/admin/orgs", "/api/v1/codes",
             "/api/v1/commissions", "/api/v1/staff"]

    for path, (data, content_type) in ((path, case) for path in paths for case in NOT_JSON):
        with subtests.test(path=path, data=data, content_type=content_type):
            response = world.client.post(path, data=data, content_type=content_type, headers=world.admin)
            body = assert_error(response, 400)
            assert "JSON" in body["message"]
            assert world.snapshot() == before


def test_json_that_is_not_an_object_is_422(world, subtests):
    before = world.snapshot()

    for payload in ([{"token": "abc"}], "abc", 42, True):
        with subtests.test(payload=payload):
            assert_error(world.client.post("/api/v1/verifications", json=payload), 422, {"_schema"})
            assert world.snapshot() == before


def test_oversized_body_is_413(world):
    response = world.client.post("/api/v1/verifications", data='{"token": "' + "A" * (2 * 1024 * 1024) + '"}',
                                 content_type="application/json")

    assert_error(response, 413)


def test_openapi_description_is_served(world):
    response = world.client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    paths = response.get_json()["paths"]
    for path in ("/api/v1/auth/token", "/api/v1/verifications", "/api/v1/codes/{code_id}/approve",
                 "/api/v1/visits/{visit_id}/rating", "/api/v1/stats/satisfaction"):
        assert path in paths
