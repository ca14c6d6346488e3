"""``flask create-admin``: the first platform administrator of a new installation."""
import pytest
from sqlalchemy import func, select

from server.extensions import db
from server.models import Organisation, User


def create_admin(app, runner, *args, **kwargs):
    # The `flask` executable pushes an application context for every command; the test runner
    # only does so for commands wrapped in with_appcontext, which create-admin is not (yet).
    with app.app_context():
        return runner.invoke(args=["create-admin", *args], **kwargs)


def sign_in(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_create_admin_creates_an_admin_who_can_sign_in(app, runner, client):
    result = create_admin(app, runner, "--username", "zhang.admin", "--password", "long-enough-1")

    assert result.exit_code == 0, result.output
    assert "已创建平台管理员 zhang.admin" in result.output
    response = sign_in(client, "zhang.admin", "long-enough-1")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["role"] == "admin"
    assert body["token_type"] == "Bearer"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "zhang.admin"))
        assert user.org.kind == "platform"
        assert user.password_hash != "long-enough-1"


def test_create_admin_prompts_for_the_password_when_it_is_left_out(app, runner, client):
    result = create_admin(app, runner, "--username", "li.admin", input="prompted-pass-7\nprompted-pass-7\n")

    assert result.exit_code == 0, result.output
    assert sign_in(client, "li.admin", "prompted-pass-7").status_code == 200


@pytest.mark.parametrize("password, message", [("short", "密码至少 8 位"), (" " * 12, "密码不能全是空格")])
def test_create_admin_refuses_a_short_or_blank_password_and_creates_nothing(app, runner, client, password, message):
    result = create_admin(app, runner, "--username", "wang.admin", "--password", password)

    assert result.exit_code == 1
    assert message in result.output
    assert count(app, User) == 0
    # Not even the platform organisation that admins belong to is left behind.
    assert count(app, Organisation) == 0
    assert sign_in(client, "wang.admin", password).status_code == 401


def test_create_admin_refuses_a_username_that_is_taken(app, runner, client):
    first = create_admin(app, runner, "--username", "zhao.admin", "--password", "first-password-1")
    assert first.exit_code == 0, first.output

    second = create_admin(app, runner, "--username", "zhao.admin", "--password", "second-password-2")

    assert second.exit_code == 1
    assert "用户名已被占用" in second.output
    assert count(app, User, User.username == "zhao.admin") == 1
    assert sign_in(client, "zhao.admin", "first-password-1").status_code == 200
    assert sign_in(client, "zhao.admin", "second-password-2").status_code == 401


def test_seed_demo_keeps_an_admin_created_before_with_its_own_password(app, runner, client):
    assert create_admin(app, runner, "--username", "admin", "--password", "site-admin-pass-1").exit_code == 0

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert "此前已存在，密码不是演示密码" in result.output
    assert count(app, User, User.role == "admin") == 1
    assert sign_in(client, "admin", "site-admin-pass-1").status_code == 200
    assert sign_in(client, "admin", "demo1234").status_code == 401
    assert sign_in(client, "yjj", "demo1234").status_code == 200
