from rest_framework.test import APIClient


def test_healthz_answers_ok_without_auth(db: None) -> None:
    response = APIClient().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_me_shows_role_organization_and_permissions(api, admin) -> None:
    body = api(admin).get("/api/v1/me").json()
    assert body["email"] == "admin@acme.test"
    assert body["role"] == "admin"
    assert body["organization"] == {"slug": "acme", "name": "Acme"}
    assert "matrix.manage" in body["permissions"]
