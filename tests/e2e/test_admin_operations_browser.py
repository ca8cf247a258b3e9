"""The operations pages in Chromium: a billing member (two-factor set up on first sign-in)
finds a dead job on /admin/jobs, reads its error history and retries it; opens a sent receipt
on /admin/emails (its HTML in the sandboxed frame) and resends it; then glances at the webhook
events and the cancellation feedback. Each page is checked for accessibility and photographed
at 1280 and 390 px (test-output/admin-ops-*.png)."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import expect

from domain.adapters.mail_templates import JinjaEmailRenderer
from domain.notifications.model import EmailKind
from domain.shared.ids import new_id
from tests.e2e.staff_browser import staff_browser
from tests.e2e.test_admin_browser import (  # noqa: F401  (the module's server fixture)
    Server,
    server,
    shoot,
    sign_in,
)
from tests.support.emails import sample_context

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

PASSWORD = "operator long passphrase"


def _seed(db: Path) -> str:
    """A dead job with three failed attempts, a sent receipt, two webhook events and a few
    months of cancellation feedback, written as the app would have (the server runs no jobs)."""
    now = datetime.now(UTC)
    job_id = new_id()
    rendered = JinjaEmailRenderer(brand_name="Tessera").render(
        EmailKind.RECEIPT, sample_context(EmailKind.RECEIPT)
    )
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO job (id, name, kwargs, status, attempts, max_attempts, timeout_s, run_at,"
            " last_error, created_at, finished_at) VALUES (?, ?, ?, 'dead', 3, 3, 120, ?, ?, ?, ?)",
            (job_id, "documents.render_invoice_pdf", json.dumps({"invoice_id": new_id()}),
             str(now - timedelta(minutes=20)), "attempt 3/3: OSError: font cache is not writable",
             str(now - timedelta(hours=1)), str(now - timedelta(minutes=5))),
        )  # fmt: skip
        for attempt in (1, 2, 3):
            conn.execute(
                "INSERT INTO job_failure (id, job_id, attempt, error, failed_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (new_id(), job_id, attempt, "OSError: font cache is not writable\n"
                 "  File \"weasyprint/fonts.py\", line 88, in add_font_face",
                 str(now - timedelta(minutes=40 - 10 * attempt))),
            )  # fmt: skip
        conn.execute(
            "INSERT INTO outbox_email (id, kind, recipient, subject, text_body, html_body,"
            " attachments, status, attempts, dedupe_key, created_at, sent_at)"
            " VALUES (?, 'receipt', 'ada@example.test', ?, ?, ?, '[]', 'sent', 1, ?, ?, ?)",
            (new_id(), rendered.subject, rendered.text, rendered.html, "receipt:inv-e2e",
             str(now - timedelta(hours=2)), str(now - timedelta(hours=2))),
        )  # fmt: skip
        for n, (outcome, kind, detail) in enumerate(
            [("applied", "payment_intent.succeeded", ""),
             ("held", "payment_intent.payment_failed", "the gateway reports the payment succeeded")]
        ):  # fmt: skip
            conn.execute(
                "INSERT INTO payment_webhook_event (key, gateway, event_id, event_type,"
                " payment_ref, outcome, detail, received_at) VALUES (?, 'sandbox', ?, ?, ?, ?, ?, ?)",
                (f"sandbox:evt_{n}", f"evt_{n}", kind, f"pi_e2e_{n}", outcome, detail,
                 str(now - timedelta(minutes=n))),
            )  # fmt: skip
        (plan_id,) = conn.execute("SELECT id FROM plan LIMIT 1").fetchone()
        customer_id, subscription_id = new_id(), new_id()
        conn.execute(
            "INSERT INTO customer (id, email, name, currency) VALUES (?, ?, ?, 'USD')",
            (customer_id, "lin@example.test", "Lin Leaver"),
        )
        conn.execute(
            "INSERT INTO subscription (id, customer, currency, timezone, proration, plan, status)"
            " VALUES (?, ?, 'USD', 'UTC', 'day', ?, 'canceled')",
            (subscription_id, customer_id, plan_id),
        )
        reasons = ["too_expensive", "not_using", "missing_features", "too_expensive",
                   "switching_product", "too_expensive", "other", "not_using"]  # fmt: skip
        for n, reason in enumerate(reasons):
            comment = "We need SSO for the whole team." if reason == "missing_features" else ""
            conn.execute(
                "INSERT INTO cancellation_feedback (id, subscription, customer, reason, comment,"
                " timing, created_at) VALUES (?, ?, ?, ?, ?, 'period_end', ?)",
                (new_id(), subscription_id, customer_id, reason,
                 comment or ("Too pricey for a team of three." if n == 0 else ""),
                 str(now - timedelta(days=20 * n))),
            )  # fmt: skip
    return job_id


async def test_an_operator_retries_a_dead_job_and_resends_an_email(
    server: Server,  # noqa: F811  (the fixture imported above)
    output_dir: Path,
) -> None:
    job_id = _seed(server.db)
    async with staff_browser(server, "otto@example.test", "Otto Operator", PASSWORD) as signed_in:
        _, page, errors = signed_in
        # the dead job: counted, listed, its error history, retried with a reason
        await page.get_by_role("link", name="Jobs").first.click()
        await expect(page.get_by_test_id("count-dead")).to_contain_text("1")
        await shoot(page, output_dir, "ops-jobs")
        await page.get_by_label("Status").select_option("dead")  # htmx swaps the table
        await expect(page.get_by_test_id("job-row")).to_have_count(1)
        await page.get_by_test_id("job-link").click()
        await expect(page.get_by_test_id("job-failure")).to_have_count(3)
        await page.locator("#f-retry-reason").fill("Font cache fixed in the last deploy")
        await shoot(page, output_dir, "ops-job")
        await page.get_by_test_id("retry").click()
        await expect(page.locator(".flash")).to_contain_text("queued again")
        await expect(page.get_by_test_id("job-status")).to_contain_text("Queued")
        assert page.url.endswith(f"/admin/jobs/{job_id}")

        # the receipt: listed, opened with its HTML framed, resent
        await page.get_by_role("link", name="E-mails").first.click()
        await page.get_by_label("Recipient").fill("ada@")
        await page.get_by_label("Recipient").press("Enter")
        await expect(page.get_by_test_id("outbox-row")).to_have_count(1)
        await shoot(page, output_dir, "ops-emails")
        await page.get_by_test_id("outbox-subject").click()
        frame = page.frame_locator("[data-testid=email-html-frame]")
        await expect(frame.locator("body")).to_contain_text("Thanks for your payment")
        await page.locator("#f-resend-reason").fill("Ada says the receipt never arrived")
        await shoot(page, output_dir, "ops-email")
        await page.get_by_test_id("resend").click()
        await expect(page.locator(".flash")).to_contain_text("queued again for ada@example.test")
        await expect(page.get_by_test_id("email-status")).to_contain_text("Queued")
        await expect(page.get_by_test_id("resent-from")).to_be_visible()

        # the gateway's events and the cancellation feedback
        await page.get_by_role("link", name="Webhooks").first.click()
        await expect(page.get_by_test_id("webhook-row")).to_have_count(2)
        await shoot(page, output_dir, "ops-webhooks")
        await page.get_by_role("link", name="Feedback").first.click()
        await expect(page.get_by_test_id("feedback-comment")).to_have_count(2)
        await shoot(page, output_dir, "ops-feedback")

        blocked = [e for e in errors if "Content Security Policy" in e or "Refused" in e]
        assert blocked == [], f"blocked by the CSP: {blocked}"
        await page.context.close()

    with sqlite3.connect(server.db) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM audit_entry ORDER BY at")]
    assert "job.retried" in actions and "email.resent" in actions
