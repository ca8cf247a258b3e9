"""Finding a customer: each kind of match says what matched and shows name, e-mail, country,
balance and a summary of the subscriptions; the query is checked before anything is read."""

from __future__ import annotations

import uuid
from types import TracebackType

import pytest

from domain.customers.service import create_customer
from domain.payments.refunds import refund_invoice
from domain.shared.errors import ValidationFailed
from domain.shared.money import Money
from domain.staff.model import Role, SignedInStaff
from domain.support.model import MatchKind
from domain.support.search import search_customers, status_summary
from tests.service.payments._shop import Shop
from tests.support.gateway import DECLINED

VIEWER = SignedInStaff("staff-viewer", "vera@example.com", "Vera Viewer", Role.VIEWER, "s")

pytestmark = pytest.mark.service


async def _customer(shop: Shop, email: str, name: str, country: str = "GB") -> str:
    customer = await create_customer(
        email=email, name=name, currency="GBP", country=country, uow=shop.uow, clock=shop.clock
    )
    return customer.id


async def test_an_email_prefix_matches_whatever_the_case(shop: Shop) -> None:
    grace = await _customer(shop, "grace@navy.test", "Grace Hopper", "US")
    await _customer(shop, "alan@bletchley.test", "Alan Turing")

    (hit,) = await search_customers(VIEWER, "  GRACE@Na ", uow=shop.uow)

    assert hit.customer_id == grace
    assert (hit.name, hit.email, hit.country) == ("Grace Hopper", "grace@navy.test", "US")
    assert (hit.kind, hit.matched) == (MatchKind.EMAIL, "E-mail")
    assert hit.balance == Money.of_minor(0, "GBP")
    assert hit.subscriptions == "No subscriptions"


async def test_a_name_matches_by_its_start_and_by_a_word_inside_it(shop: Shop) -> None:
    alan = await _customer(shop, "at@bletchley.test", "Alan Turing")
    await _customer(shop, "grace@navy.test", "Grace Hopper")

    by_start = await search_customers(VIEWER, "al", uow=shop.uow)
    inside = await search_customers(VIEWER, "turin", uow=shop.uow)

    assert [(h.customer_id, h.matched) for h in by_start] == [(alan, "Name")]
    assert [(h.customer_id, h.kind) for h in inside] == [(alan, MatchKind.NAME)]


async def test_two_letters_match_only_starts_not_the_middle(shop: Shop) -> None:
    await _customer(shop, "at@bletchley.test", "Alan Turing")

    assert await search_customers(VIEWER, "ur", uow=shop.uow) == []
    assert [h.name for h in await search_customers(VIEWER, "uri", uow=shop.uow)] == ["Alan Turing"]


async def test_e_mail_prefixes_come_before_names_and_each_customer_once(shop: Shop) -> None:
    by_name = await _customer(shop, "zed@example.test", "Ann Smith")
    by_email = await _customer(shop, "ann@example.test", "Zed Jones")
    by_both = await _customer(shop, "anna@example.test", "Anna Bell")

    hits = await search_customers(VIEWER, "ann", uow=shop.uow)

    assert [(h.customer_id, h.kind) for h in hits] == [
        (by_email, MatchKind.EMAIL),
        (by_both, MatchKind.EMAIL),
        (by_name, MatchKind.NAME),
    ]


async def test_a_customer_id_matches_exactly(shop: Shop) -> None:
    grace = await _customer(shop, "grace@navy.test", "Grace Hopper")

    (hit,) = await search_customers(VIEWER, grace.upper(), uow=shop.uow)

    assert (hit.customer_id, hit.matched) == (grace, "Customer id")
    assert await search_customers(VIEWER, str(uuid.uuid4()), uow=shop.uow) == []  # no one else


async def test_an_invoice_number_finds_its_customer_with_the_subscription(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    await shop.subscriber()  # another customer, another invoice
    number = (await shop.invoice(subscriber.first_invoice_id)).number
    assert number == "INV-2024-000001"

    (hit,) = await search_customers(VIEWER, "inv-2024-000001", uow=shop.uow)

    assert hit.customer_id == subscriber.customer_id
    assert (hit.kind, hit.matched) == (MatchKind.INVOICE, "Invoice INV-2024-000001")
    assert (hit.name, hit.email) == ("Ada Lovelace", "ada1@example.test")
    assert hit.balance == Money.of_minor(0, "USD")
    assert hit.subscriptions == "1 active"


async def test_a_credit_note_number_finds_its_customer_and_shows_the_credit(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    note, _ = await refund_invoice(subscriber.first_invoice_id, **shop.kw)
    assert note.number == "CN-2024-000001"

    (hit,) = await search_customers(VIEWER, "CN-2024-000001", uow=shop.uow)

    assert (hit.customer_id, hit.matched) == (subscriber.customer_id, "Credit note CN-2024-000001")
    assert await search_customers(VIEWER, "CN-2024-000002", uow=shop.uow) == []


async def test_a_card_s_last_four_finds_every_customer_with_it(shop: Shop) -> None:
    first = await shop.subscriber()
    second = await shop.subscriber()
    declining = await shop.customer()
    await shop.add_card(declining, DECLINED)

    hits = await search_customers(VIEWER, "4242", uow=shop.uow)
    (other,) = await search_customers(VIEWER, "0002", uow=shop.uow)

    assert {h.customer_id for h in hits} == {first.customer_id, second.customer_id}
    assert {h.matched for h in hits} == {"Card •••• 4242 (visa)"}
    assert other.customer_id == declining


async def test_the_number_of_hits_is_bounded(shop: Shop) -> None:
    for n in range(5):
        await _customer(shop, f"user{n}@example.test", f"User {n}")

    assert len(await search_customers(VIEWER, "user", uow=shop.uow, limit=3)) == 3
    assert len(await search_customers(VIEWER, "user", uow=shop.uow, limit=500)) == 5


class _Untouchable:
    """A unit of work that fails if the search opens it."""

    async def __aenter__(self) -> None:
        raise AssertionError("the query reached the database")

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None: ...


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a name"),
        ("   ", "Type a name"),
        ("ada\x00", "special characters"),
        ("a\nb", "special characters"),
        ("x" * 255, "at most 254"),
    ],
)
async def test_a_bad_query_is_refused_before_the_database(query: str, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await search_customers(VIEWER, query, uow=_Untouchable())  # type: ignore[arg-type]

    assert message in refused.value.field_errors["q"]


def test_the_status_summary_counts_in_a_fixed_order() -> None:
    assert status_summary(["canceled", "active", "past_due", "active"]) == (
        "2 active, 1 past due, 1 canceled"
    )
    assert status_summary([]) == "No subscriptions"


async def test_an_address_with_an_at_sign_matches_from_its_start_only(shop: Shop) -> None:
    await _customer(shop, "grace@navy.test", "Grace Hopper")
    await _customer(shop, "amazing.grace@navy.test", "Amazing Grace")

    assert [h.email for h in await search_customers(VIEWER, "grace@", uow=shop.uow)] == [
        "grace@navy.test"
    ]
    assert await search_customers(VIEWER, "ce@navy", uow=shop.uow) == []


async def test_four_digits_match_cards_and_starts_not_the_middle(shop: Shop) -> None:
    await _customer(shop, "agent4242@example.test", "Agent Four")
    starts = await _customer(shop, "4242@example.test", "Digits First")

    hits = await search_customers(VIEWER, "4242", uow=shop.uow)

    assert [(h.customer_id, h.kind) for h in hits] == [(starts, MatchKind.EMAIL)]


async def test_starts_come_before_matches_inside_whatever_they_matched(shop: Shop) -> None:
    inside = await _customer(shop, "joanne@example.test", "Jo Bloggs")
    starts = await _customer(shop, "zed@example.test", "Ann Smith")

    hits = await search_customers(VIEWER, "ann", uow=shop.uow)

    assert [(h.customer_id, h.kind) for h in hits] == [
        (starts, MatchKind.NAME),
        (inside, MatchKind.EMAIL),
    ]


async def test_cards_come_first_for_four_digits(shop: Shop) -> None:
    starts = await _customer(shop, "4242@example.test", "Digits First")
    subscriber = await shop.subscriber()

    hits = await search_customers(VIEWER, "4242", uow=shop.uow)

    assert [(h.customer_id, h.kind) for h in hits] == [
        (subscriber.customer_id, MatchKind.CARD),
        (starts, MatchKind.EMAIL),
    ]


async def test_persian_and_arabic_indic_digits_find_numbers_ids_and_cards(shop: Shop) -> None:
    subscriber = await shop.subscriber()
    grace = await _customer(shop, "grace@navy.test", "Grace Hopper")
    persian_id = grace.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    arabic_id = grace.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert persian_id != grace  # a uuid4 has digits

    (by_invoice,) = await search_customers(VIEWER, "INV-۲۰۲۴-۰۰۰۰۰۱", uow=shop.uow)
    (by_arabic,) = await search_customers(VIEWER, "inv-٢٠٢٤-٠٠٠٠٠١", uow=shop.uow)
    (by_id,) = await search_customers(VIEWER, persian_id, uow=shop.uow)
    (by_arabic_id,) = await search_customers(VIEWER, arabic_id, uow=shop.uow)
    (by_card,) = await search_customers(VIEWER, "۴۲۴۲", uow=shop.uow)

    assert (by_invoice.customer_id, by_invoice.kind) == (subscriber.customer_id, MatchKind.INVOICE)
    assert by_arabic.matched == "Invoice INV-2024-000001"
    assert (by_id.customer_id, by_id.kind) == (grace, MatchKind.CUSTOMER_ID)
    assert by_arabic_id.customer_id == grace
    assert (by_card.customer_id, by_card.kind) == (subscriber.customer_id, MatchKind.CARD)


async def test_digits_in_a_name_match_whichever_digits_were_typed(shop: Shop) -> None:
    latin = await _customer(shop, "a@example.test", "Studio 1234 Ltd")
    persian = await _customer(shop, "b@example.test", "شرکت ۵۶۷۸")  # stored with Persian digits

    assert [h.customer_id for h in await search_customers(VIEWER, "studio ۱۲", uow=shop.uow)] == [
        latin
    ]
    assert [h.customer_id for h in await search_customers(VIEWER, "شرکت ۵۶", uow=shop.uow)] == [
        persian
    ]
    assert [h.customer_id for h in await search_customers(VIEWER, "1234 ltd", uow=shop.uow)] == [
        latin
    ]
