"""Sign-in, lockout, sign-out, password change and session expiry."""

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kinward.apps.accounts.models import User
from kinward.apps.audit.models import AuditEntry
from tests.factories import PASSWORD


def sign_in(client, username, password):
    return client.post(reverse("core:login"), {"username": username, "password": password})


def test_a_person_signs_in_and_lands_on_the_home_page_of_their_role(world):
    client = Client()
    response = sign_in(client, "caseworker", PASSWORD)
    assert response.status_code == 302 and response.url == reverse("core:home")
    home = client.get(reverse("core:home"))
    assert b'data-role="caseworker"' in home.content and b"My cases, deadlines" in home.content


def test_a_wrong_password_is_refused_the_same_way_as_an_unknown_user_and_audited(world):
    wrong = sign_in(Client(), "caseworker", "not-the-password")
    unknown = sign_in(Client(), "nobody-here", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert b"The username or password is not right." in wrong.content
    assert b"The username or password is not right." in unknown.content
    denied = AuditEntry.objects.filter(action="accounts.login", outcome="denied")
    assert denied.count() == 2


def test_repeated_failures_lock_the_account_even_for_the_right_password(world, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        sign_in(Client(), "registrar", "wrong-password-x")
    locked = sign_in(Client(), "registrar", PASSWORD)
    assert locked.status_code == 400 and b"locked" in locked.content
    user = User.objects.get(username="registrar")
    assert user.locked_until > timezone.now()


def test_the_lock_ends_after_its_time(world, settings):
    user = User.objects.get(username="registrar")
    user.locked_until = timezone.now() - timedelta(seconds=1)
    user.save()
    assert sign_in(Client(), "registrar", PASSWORD).status_code == 302


def test_sign_out_ends_the_session(world):
    client = Client()
    sign_in(client, "auditor", PASSWORD)
    assert client.post(reverse("core:logout")).status_code == 302
    assert client.get(reverse("core:home")).status_code == 302
    assert AuditEntry.objects.filter(action="accounts.logout", actor_username="auditor").exists()


def test_sign_out_needs_a_post(world, as_person):
    assert as_person("auditor").get(reverse("core:logout")).status_code == 405


def test_an_expired_session_sends_the_person_back_to_sign_in(world):
    client = Client()
    sign_in(client, "auditor", PASSWORD)
    session = client.session
    session.set_expiry(-1)
    session.save()
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))


def test_a_person_changes_their_password(world):
    client = Client()
    sign_in(client, "analyst", PASSWORD)
    new = "Another-long-passphrase-77"
    response = client.post(reverse("core:password_change"),
                           {"old_password": PASSWORD, "new_password": new, "new_password_again": new})
    assert response.status_code == 302
    assert sign_in(Client(), "analyst", new).status_code == 302
    assert AuditEntry.objects.filter(action="account.password_change", outcome="allowed").exists()


def test_a_wrong_current_password_does_not_change_it(world):
    client = Client()
    sign_in(client, "analyst", PASSWORD)
    new = "Another-long-passphrase-77"
    response = client.post(reverse("core:password_change"),
                           {"old_password": "wrong-one-here", "new_password": new, "new_password_again": new})
    assert response.status_code == 200 and b"current password is not right" in response.content
    assert sign_in(Client(), "analyst", PASSWORD).status_code == 302


def test_the_login_page_does_not_redirect_to_another_site(world):
    client = Client()
    response = client.post(reverse("core:login") + "?next=https://evil.example/", {"username": "auditor",
                                                                                 "password": PASSWORD})
    assert response.url == reverse("core:home")
