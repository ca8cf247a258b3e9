CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE FUNCTION public.audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$;

CREATE TABLE public.account (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    email character varying(254) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    password_hash character varying(200) DEFAULT NULL::character varying,
    customer character varying(36) DEFAULT NULL::character varying,
    email_verified boolean DEFAULT false NOT NULL,
    email_preferences json DEFAULT '{}'::json NOT NULL,
    created_at timestamp with time zone,
    password_changed_at timestamp with time zone,
    display_preferences json DEFAULT '{}'::json NOT NULL
);

CREATE TABLE public.account_identity (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    account character varying(36) DEFAULT NULL::character varying NOT NULL,
    key character varying(600) DEFAULT ''::character varying NOT NULL,
    issuer character varying(300) DEFAULT ''::character varying NOT NULL,
    subject character varying(255) DEFAULT ''::character varying NOT NULL,
    email character varying(254) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone
);

CREATE TABLE public.analytics_email_opt_in (
    staff_id character varying(36) DEFAULT ''::character varying NOT NULL,
    since timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.analytics_refresh (
    id character varying(16) DEFAULT ''::character varying NOT NULL,
    refreshed_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    reporting_currency character varying(3) DEFAULT ''::character varying NOT NULL,
    movements bigint DEFAULT 0 NOT NULL,
    missing text DEFAULT '[]'::text NOT NULL,
    dimensions text DEFAULT '{}'::text NOT NULL
);

CREATE TABLE public.analytics_version (
    id integer DEFAULT 0 NOT NULL,
    version bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.api_idempotency (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    api_key_id character varying(36) DEFAULT ''::character varying NOT NULL,
    key character varying(255) DEFAULT ''::character varying NOT NULL,
    fingerprint character varying(64) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    expires_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    status integer,
    body text,
    media_type character varying(100) DEFAULT NULL::character varying
);

CREATE TABLE public.api_key (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    name character varying(100) DEFAULT ''::character varying NOT NULL,
    scope character varying(16) DEFAULT ''::character varying NOT NULL,
    mode character varying(8) DEFAULT ''::character varying NOT NULL,
    prefix character varying(16) DEFAULT ''::character varying NOT NULL,
    secret_hash character varying(64) DEFAULT ''::character varying NOT NULL,
    created_by character varying(254) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    last_used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    revoked_by character varying(254) DEFAULT NULL::character varying
);

CREATE TABLE public.audit_entry (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    at timestamp with time zone,
    actor_staff_id character varying(36) DEFAULT NULL::character varying,
    actor_email character varying(254) DEFAULT ''::character varying NOT NULL,
    action character varying(80) DEFAULT ''::character varying NOT NULL,
    object_type character varying(40) DEFAULT ''::character varying NOT NULL,
    object_id character varying(100) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT NULL::character varying,
    reason text DEFAULT ''::text NOT NULL,
    before json DEFAULT '{}'::json NOT NULL,
    after json DEFAULT '{}'::json NOT NULL,
    seq bigint NOT NULL
);

CREATE SEQUENCE public.audit_entry_seq_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.audit_entry_seq_seq OWNED BY public.audit_entry.seq;

CREATE TABLE public.auth_session (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    account character varying(36) DEFAULT NULL::character varying NOT NULL,
    method character varying(20) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone,
    user_agent character varying(300) DEFAULT ''::character varying NOT NULL,
    ip character varying(64) DEFAULT ''::character varying NOT NULL
);

CREATE TABLE public.cancellation_feedback (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    subscription character varying(36) DEFAULT NULL::character varying NOT NULL,
    customer character varying(36) DEFAULT NULL::character varying NOT NULL,
    reason character varying(40) DEFAULT ''::character varying NOT NULL,
    comment text DEFAULT ''::text NOT NULL,
    timing character varying(20) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone
);

CREATE TABLE public.catalog_version (
    id integer DEFAULT 0 NOT NULL,
    version bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.checkout_session (
    token character varying(64) DEFAULT ''::character varying NOT NULL,
    plan_code character varying(100) DEFAULT ''::character varying NOT NULL,
    state character varying(20) DEFAULT ''::character varying NOT NULL,
    customer character varying(36) DEFAULT NULL::character varying,
    account character varying(36) DEFAULT NULL::character varying,
    subscription_id character varying(36) DEFAULT NULL::character varying,
    invoice_id character varying(36) DEFAULT NULL::character varying,
    payment_ref character varying(100) DEFAULT NULL::character varying,
    message character varying(300) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone,
    account_created boolean DEFAULT false NOT NULL
);

CREATE TABLE public.cohort_refresh (
    name character varying(20) DEFAULT ''::character varying NOT NULL,
    refreshed_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    customers integer DEFAULT 0 NOT NULL,
    missing_rates text DEFAULT ''::text NOT NULL,
    reporting_currency character varying(3) DEFAULT ''::character varying NOT NULL,
    choices text DEFAULT '{}'::text NOT NULL
);

CREATE TABLE public.cohort_row (
    id integer NOT NULL,
    segment character varying(80) DEFAULT ''::character varying NOT NULL,
    cohort date DEFAULT CURRENT_DATE NOT NULL,
    plan_code character varying(64) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    country character varying(2) DEFAULT ''::character varying NOT NULL,
    customers integer DEFAULT 0 NOT NULL,
    cells text DEFAULT ''::text NOT NULL
);

CREATE SEQUENCE public.cohort_row_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.cohort_row_id_seq OWNED BY public.cohort_row.id;

CREATE TABLE public.coupon (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    duration character varying(10) DEFAULT ''::character varying NOT NULL,
    percent_off character varying(12) DEFAULT NULL::character varying,
    amounts_off json DEFAULT '{}'::json NOT NULL,
    duration_in_months integer,
    redeem_by timestamp with time zone,
    max_redemptions integer,
    plan_codes json DEFAULT '[]'::json NOT NULL,
    times_redeemed integer DEFAULT 0 NOT NULL,
    name character varying(100) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone
);

CREATE TABLE public.credit_note (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    number character varying(64) DEFAULT ''::character varying NOT NULL,
    invoice character varying(36) DEFAULT NULL::character varying NOT NULL,
    customer_id character varying(36) DEFAULT NULL::character varying,
    subscription_id character varying(36) DEFAULT NULL::character varying,
    reason character varying(32) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    issued_at timestamp with time zone,
    subtotal_minor bigint DEFAULT 0 NOT NULL,
    discount_minor bigint DEFAULT 0 NOT NULL,
    tax_minor bigint DEFAULT 0 NOT NULL,
    total_minor bigint DEFAULT 0 NOT NULL,
    refunded_minor bigint DEFAULT 0 NOT NULL,
    credited_minor bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.credit_note_document (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    credit_note character varying(36) DEFAULT NULL::character varying NOT NULL,
    version character varying(64) DEFAULT ''::character varying NOT NULL,
    rendered_at timestamp with time zone,
    size_bytes integer DEFAULT 0 NOT NULL,
    content bytea DEFAULT '\x'::bytea NOT NULL
);

CREATE TABLE public.credit_note_line (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    credit_note character varying(36) DEFAULT NULL::character varying NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    amount_minor bigint DEFAULT 0 NOT NULL,
    explanation text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL
);

CREATE TABLE public.customer (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    email character varying(254) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    country character varying(2) DEFAULT ''::character varying NOT NULL,
    region character varying(100) DEFAULT NULL::character varying,
    address_lines json DEFAULT '[]'::json NOT NULL,
    tax_id character varying(40) DEFAULT NULL::character varying,
    tax_exempt boolean DEFAULT false NOT NULL,
    timezone character varying(64) DEFAULT 'UTC'::character varying NOT NULL,
    balance_minor bigint DEFAULT 0 NOT NULL,
    created_at timestamp with time zone,
    test_clock_id character varying(36) DEFAULT NULL::character varying
);

CREATE TABLE public.customer_balance_transaction (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    amount_minor bigint DEFAULT 0 NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    ending_balance_minor bigint DEFAULT 0 NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone,
    created_by character varying(254) DEFAULT NULL::character varying
);

CREATE TABLE public.customer_entitlement (
    id character varying(110) DEFAULT ''::character varying NOT NULL,
    customer character varying(36) DEFAULT ''::character varying NOT NULL,
    feature_key character varying(64) DEFAULT ''::character varying NOT NULL,
    feature_name character varying(120) DEFAULT ''::character varying NOT NULL,
    limit_kind character varying(16) DEFAULT ''::character varying NOT NULL,
    limit_value bigint,
    has_access boolean DEFAULT false NOT NULL,
    subscriptions text DEFAULT '[]'::text NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.customer_external_ref (
    key character varying(142) DEFAULT ''::character varying NOT NULL,
    source character varying(40) DEFAULT ''::character varying NOT NULL,
    external_id character varying(100) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.customer_import (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    file_name character varying(200) DEFAULT ''::character varying NOT NULL,
    source character varying(40) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    created_by character varying(254) DEFAULT ''::character varying NOT NULL,
    created_by_id character varying(36) DEFAULT NULL::character varying,
    header json DEFAULT '[]'::json NOT NULL,
    total_rows integer DEFAULT 0 NOT NULL,
    mapping json DEFAULT '{}'::json NOT NULL,
    with_subscriptions boolean DEFAULT false NOT NULL,
    status character varying(12) DEFAULT ''::character varying NOT NULL,
    done_rows integer DEFAULT 0 NOT NULL,
    created integer DEFAULT 0 NOT NULL,
    updated integer DEFAULT 0 NOT NULL,
    subscribed integer DEFAULT 0 NOT NULL,
    error_count integer DEFAULT 0 NOT NULL,
    errors json DEFAULT '[]'::json NOT NULL,
    checked_at timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    content bytea DEFAULT '\x'::bytea NOT NULL
);

CREATE TABLE public.customer_note (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    staff_id character varying(36) DEFAULT ''::character varying NOT NULL,
    staff_email character varying(254) DEFAULT ''::character varying NOT NULL,
    staff_name character varying(200) DEFAULT ''::character varying NOT NULL,
    body text DEFAULT ''::text NOT NULL,
    created_at timestamp with time zone
);

CREATE TABLE public.dunning_case (
    id integer NOT NULL,
    invoice character varying(36) DEFAULT NULL::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    subscription_id character varying(36) DEFAULT NULL::character varying,
    status character varying(12) DEFAULT ''::character varying NOT NULL,
    failures integer DEFAULT 0 NOT NULL,
    first_failed_at timestamp with time zone,
    next_attempt_at timestamp with time zone,
    awaiting_new_method boolean DEFAULT false NOT NULL,
    closed_at timestamp with time zone,
    test_clock_id character varying(36) DEFAULT NULL::character varying
);

CREATE SEQUENCE public.dunning_case_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.dunning_case_id_seq OWNED BY public.dunning_case.id;

CREATE TABLE public.dunning_policy (
    name character varying(20) DEFAULT ''::character varying NOT NULL,
    retry_days json DEFAULT '[1, 3, 5, 7]'::json NOT NULL,
    final_subscription_action character varying(12) DEFAULT 'cancel'::character varying NOT NULL,
    final_invoice_action character varying(16) DEFAULT 'uncollectible'::character varying NOT NULL
);

CREATE TABLE public.email_token (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    account character varying(36) DEFAULT NULL::character varying NOT NULL,
    purpose character varying(20) DEFAULT ''::character varying NOT NULL,
    new_email character varying(254) DEFAULT NULL::character varying,
    created_at timestamp with time zone,
    expires_at timestamp with time zone,
    used_at timestamp with time zone
);

CREATE TABLE public.exchange_rate (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    reporting character varying(3) DEFAULT ''::character varying NOT NULL,
    rate character varying(32) DEFAULT ''::character varying NOT NULL,
    effective_on date DEFAULT CURRENT_DATE NOT NULL,
    entered_by character varying(254) DEFAULT ''::character varying NOT NULL,
    entered_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.feature (
    key character varying(64) DEFAULT ''::character varying NOT NULL,
    name character varying(120) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE TABLE public.invoice (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    number character varying(64),
    subscription_id character varying(36) DEFAULT NULL::character varying,
    customer_id character varying(36) DEFAULT NULL::character varying,
    billing_reason character varying(32) DEFAULT ''::character varying NOT NULL,
    cycle_key character varying(100) DEFAULT NULL::character varying,
    status character varying(16) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    period_start timestamp with time zone,
    period_end timestamp with time zone,
    issued_at timestamp with time zone,
    subtotal_minor bigint DEFAULT 0 NOT NULL,
    discount_minor bigint DEFAULT 0 NOT NULL,
    tax_minor bigint DEFAULT 0 NOT NULL,
    total_minor bigint DEFAULT 0 NOT NULL,
    credit_applied_minor bigint DEFAULT 0 NOT NULL,
    amount_due_minor bigint DEFAULT 0 NOT NULL,
    customer_snapshot json DEFAULT '{}'::json NOT NULL,
    marked_uncollectible_at timestamp with time zone,
    paid_at timestamp with time zone,
    voided_at timestamp with time zone,
    tax_basis json,
    due_at timestamp with time zone,
    memo text DEFAULT ''::text NOT NULL,
    offline_payment json,
    po_number character varying(64) DEFAULT ''::character varying NOT NULL
);

CREATE TABLE public.invoice_document (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    invoice character varying(36) DEFAULT NULL::character varying NOT NULL,
    version character varying(64) DEFAULT ''::character varying NOT NULL,
    rendered_at timestamp with time zone,
    size_bytes integer DEFAULT 0 NOT NULL,
    content bytea DEFAULT '\x'::bytea NOT NULL
);

CREATE TABLE public.invoice_line (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    invoice character varying(36) DEFAULT NULL::character varying NOT NULL,
    "position" integer DEFAULT 0 NOT NULL,
    kind character varying(16) DEFAULT ''::character varying NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    quantity text DEFAULT ''::text NOT NULL,
    unit_amount_minor text DEFAULT ''::text NOT NULL,
    amount_minor bigint DEFAULT 0 NOT NULL,
    period_start timestamp with time zone,
    period_end timestamp with time zone,
    explanation text DEFAULT ''::text NOT NULL,
    detail text DEFAULT ''::text NOT NULL
);

CREATE TABLE public.invoice_series (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    prefix character varying(40) DEFAULT ''::character varying NOT NULL,
    next_number bigint DEFAULT 1 NOT NULL
);

CREATE TABLE public.job (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    name character varying(100) DEFAULT ''::character varying NOT NULL,
    kwargs json DEFAULT '{}'::json NOT NULL,
    status character varying(10) DEFAULT ''::character varying NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer DEFAULT 5 NOT NULL,
    timeout_s integer DEFAULT 60 NOT NULL,
    run_at timestamp with time zone,
    unique_key character varying(200) DEFAULT NULL::character varying,
    locked_by character varying(100) DEFAULT NULL::character varying,
    locked_until timestamp with time zone,
    last_error text,
    created_at timestamp with time zone,
    started_at timestamp with time zone,
    finished_at timestamp with time zone
);

CREATE TABLE public.job_failure (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    job_id character varying(36) DEFAULT ''::character varying NOT NULL,
    attempt integer DEFAULT 0 NOT NULL,
    error text DEFAULT ''::text NOT NULL,
    failed_at timestamp with time zone
);

CREATE TABLE public.migration (
    id integer NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    app_name character varying(200) DEFAULT ''::character varying NOT NULL,
    ran_on timestamp without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL
);

CREATE SEQUENCE public.migration_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.migration_id_seq OWNED BY public.migration.id;

CREATE TABLE public.mrr_daily_aggregate (
    id bigint NOT NULL,
    day date DEFAULT CURRENT_DATE NOT NULL,
    plan_code character varying(64) DEFAULT ''::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    country character varying(2) DEFAULT ''::character varying NOT NULL,
    new bigint DEFAULT 0 NOT NULL,
    expansion bigint DEFAULT 0 NOT NULL,
    contraction bigint DEFAULT 0 NOT NULL,
    churn bigint DEFAULT 0 NOT NULL,
    reactivation bigint DEFAULT 0 NOT NULL,
    customers integer DEFAULT 0 NOT NULL,
    subscribers integer DEFAULT 0 NOT NULL,
    new_customers integer DEFAULT 0 NOT NULL,
    churned_customers integer DEFAULT 0 NOT NULL,
    reactivated_customers integer DEFAULT 0 NOT NULL,
    movements integer DEFAULT 0 NOT NULL
);

CREATE SEQUENCE public.mrr_daily_aggregate_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.mrr_daily_aggregate_id_seq OWNED BY public.mrr_daily_aggregate.id;

CREATE TABLE public.mrr_movement (
    id bigint NOT NULL,
    subscription_id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    kind character varying(12) DEFAULT ''::character varying NOT NULL,
    customer_kind character varying(12) DEFAULT ''::character varying NOT NULL,
    amount_minor bigint DEFAULT 0 NOT NULL,
    mrr_minor bigint DEFAULT 0 NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    plan_code character varying(64) DEFAULT ''::character varying NOT NULL,
    country character varying(2) DEFAULT NULL::character varying,
    version integer DEFAULT 0 NOT NULL,
    reporting_currency character varying(3) DEFAULT NULL::character varying,
    reporting_amount_minor bigint
);

CREATE SEQUENCE public.mrr_movement_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.mrr_movement_id_seq OWNED BY public.mrr_movement.id;

CREATE TABLE public.outbound_event (
    id character varying(40) DEFAULT ''::character varying NOT NULL,
    type character varying(64) DEFAULT ''::character varying NOT NULL,
    at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    data text DEFAULT ''::text NOT NULL,
    key character varying(200) DEFAULT NULL::character varying,
    dispatched boolean DEFAULT false NOT NULL
);

CREATE TABLE public.outbox_email (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    kind character varying(40) DEFAULT ''::character varying NOT NULL,
    recipient character varying(254) DEFAULT ''::character varying NOT NULL,
    subject text DEFAULT ''::text NOT NULL,
    text_body text DEFAULT ''::text NOT NULL,
    html_body text DEFAULT ''::text NOT NULL,
    attachments json DEFAULT '[]'::json NOT NULL,
    status character varying(10) DEFAULT ''::character varying NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    last_error text,
    dedupe_key character varying(200) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    sent_at timestamp with time zone
);

CREATE TABLE public.payment_attempt (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    invoice character varying(36) DEFAULT NULL::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    payment_method_id character varying(36) DEFAULT NULL::character varying,
    number integer DEFAULT 0 NOT NULL,
    idempotency_key character varying(100) DEFAULT ''::character varying NOT NULL,
    amount_minor bigint DEFAULT 0 NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    status character varying(20) DEFAULT ''::character varying NOT NULL,
    code character varying(60) DEFAULT NULL::character varying,
    message text DEFAULT ''::text NOT NULL,
    payment_ref character varying(100) DEFAULT NULL::character varying,
    hard_decline boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone,
    finished_at timestamp with time zone
);

CREATE TABLE public.payment_method (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer character varying(36) DEFAULT NULL::character varying NOT NULL,
    gateway character varying(20) DEFAULT ''::character varying NOT NULL,
    gateway_customer character varying(100) DEFAULT ''::character varying NOT NULL,
    method_ref character varying(100) DEFAULT ''::character varying NOT NULL,
    brand character varying(20) DEFAULT ''::character varying NOT NULL,
    last4 character varying(4) DEFAULT ''::character varying NOT NULL,
    exp_month integer DEFAULT 0 NOT NULL,
    exp_year integer DEFAULT 0 NOT NULL,
    fingerprint character varying(64) DEFAULT ''::character varying NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone,
    removed_at timestamp with time zone
);

CREATE TABLE public.payment_webhook_event (
    key character varying(300) DEFAULT ''::character varying NOT NULL,
    gateway character varying(20) DEFAULT ''::character varying NOT NULL,
    event_id character varying(255) DEFAULT ''::character varying NOT NULL,
    event_type character varying(100) DEFAULT ''::character varying NOT NULL,
    payment_ref character varying(100) DEFAULT NULL::character varying,
    outcome character varying(12) DEFAULT ''::character varying NOT NULL,
    detail text DEFAULT ''::text NOT NULL,
    received_at timestamp with time zone
);

CREATE TABLE public.plan (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    code character varying(64) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    description text DEFAULT ''::text NOT NULL,
    interval_unit character varying(8) DEFAULT ''::character varying NOT NULL,
    interval_count integer DEFAULT 1 NOT NULL,
    trial_days integer DEFAULT 0 NOT NULL,
    is_public boolean DEFAULT true NOT NULL,
    highlighted boolean DEFAULT false NOT NULL,
    sort_order integer DEFAULT 0 NOT NULL,
    features json DEFAULT '[]'::json NOT NULL,
    metadata json DEFAULT '{}'::json NOT NULL,
    attaches_to json DEFAULT '[]'::json NOT NULL,
    kind character varying(8) DEFAULT 'base'::character varying NOT NULL,
    retired_at timestamp with time zone,
    version integer DEFAULT 1 NOT NULL
);

CREATE TABLE public.plan_change_rule (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    from_code character varying(64) DEFAULT ''::character varying NOT NULL,
    to_code character varying(64) DEFAULT ''::character varying NOT NULL,
    timing character varying(16) DEFAULT ''::character varying NOT NULL,
    proration character varying(16) DEFAULT ''::character varying NOT NULL
);

CREATE TABLE public.plan_feature (
    id character varying(140) DEFAULT ''::character varying NOT NULL,
    plan_code character varying(64) DEFAULT ''::character varying NOT NULL,
    feature_key character varying(64) DEFAULT ''::character varying NOT NULL,
    limit_kind character varying(16) DEFAULT ''::character varying NOT NULL,
    limit_value bigint
);

CREATE TABLE public.plan_price (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    plan character varying(36) DEFAULT NULL::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    setup_fee_minor bigint DEFAULT 0 NOT NULL,
    charges json DEFAULT '[]'::json NOT NULL
);

CREATE TABLE public.price_migration (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    plan_code character varying(64) DEFAULT ''::character varying NOT NULL,
    from_plan_id character varying(36) DEFAULT ''::character varying NOT NULL,
    to_plan_id character varying(36) DEFAULT ''::character varying NOT NULL,
    effective_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    notice_days integer DEFAULT 0 NOT NULL,
    status character varying(16) DEFAULT ''::character varying NOT NULL,
    scheduled_by character varying(254) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    closed_at timestamp with time zone,
    open_from_plan character varying(36) DEFAULT NULL::character varying
);

CREATE TABLE public.price_migration_notice (
    id character varying(80) DEFAULT ''::character varying NOT NULL,
    migration_id character varying(36) DEFAULT ''::character varying NOT NULL,
    subscription_id character varying(36) DEFAULT ''::character varying NOT NULL,
    notified_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    move_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    moved_at timestamp with time zone
);

CREATE TABLE public.promotion_code (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    code character varying(40) DEFAULT ''::character varying NOT NULL,
    coupon character varying(64) DEFAULT NULL::character varying NOT NULL,
    active boolean DEFAULT true NOT NULL,
    expires_at timestamp with time zone,
    max_redemptions integer,
    first_subscription_only boolean DEFAULT false NOT NULL,
    minimum_amounts json DEFAULT '{}'::json NOT NULL,
    times_redeemed integer DEFAULT 0 NOT NULL,
    created_at timestamp with time zone
);

CREATE TABLE public.promotions_version (
    id integer DEFAULT 0 NOT NULL,
    version bigint DEFAULT 0 NOT NULL
);

CREATE TABLE public.refund (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    credit_note_id character varying(36) DEFAULT ''::character varying NOT NULL,
    invoice_id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT NULL::character varying,
    payment_ref character varying(100) DEFAULT NULL::character varying,
    amount_minor bigint DEFAULT 0 NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    status character varying(12) DEFAULT ''::character varying NOT NULL,
    refund_ref character varying(100) DEFAULT NULL::character varying,
    code character varying(60) DEFAULT NULL::character varying,
    created_at timestamp with time zone,
    finished_at timestamp with time zone
);

CREATE TABLE public.sandbox_card (
    ref character varying(40) DEFAULT ''::character varying NOT NULL,
    customer_ref character varying(40) DEFAULT NULL::character varying,
    behaviour character varying(32) DEFAULT ''::character varying NOT NULL,
    brand character varying(20) DEFAULT ''::character varying NOT NULL,
    last4 character varying(4) DEFAULT ''::character varying NOT NULL,
    exp_month integer DEFAULT 0 NOT NULL,
    exp_year integer DEFAULT 0 NOT NULL,
    fingerprint character varying(40) DEFAULT ''::character varying NOT NULL,
    used boolean DEFAULT false NOT NULL
);

CREATE TABLE public.sandbox_customer (
    ref character varying(40) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    email character varying(254) DEFAULT ''::character varying NOT NULL
);

CREATE TABLE public.sandbox_payment (
    ref character varying(40) DEFAULT ''::character varying NOT NULL,
    idempotency_key character varying(200) DEFAULT ''::character varying NOT NULL,
    kind character varying(10) DEFAULT ''::character varying NOT NULL,
    method_ref character varying(40) DEFAULT NULL::character varying,
    payment_ref character varying(40) DEFAULT NULL::character varying,
    amount_minor bigint DEFAULT 0 NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    status character varying(20) DEFAULT ''::character varying NOT NULL,
    code character varying(40) DEFAULT NULL::character varying
);

CREATE TABLE public.sign_in_attempt (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    key character varying(300) DEFAULT ''::character varying NOT NULL,
    at timestamp with time zone,
    succeeded boolean DEFAULT false NOT NULL
);

CREATE TABLE public.staff_member (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    email character varying(254) DEFAULT ''::character varying NOT NULL,
    name character varying(200) DEFAULT ''::character varying NOT NULL,
    role character varying(20) DEFAULT ''::character varying NOT NULL,
    password_hash character varying(200) DEFAULT NULL::character varying,
    totp_secret character varying(255) DEFAULT NULL::character varying,
    totp_pending_secret character varying(255) DEFAULT NULL::character varying,
    recovery_code_hashes json DEFAULT '[]'::json NOT NULL,
    failed_attempts integer DEFAULT 0 NOT NULL,
    locked_until timestamp with time zone,
    created_at timestamp with time zone,
    disabled_at timestamp with time zone,
    totp_last_step bigint,
    display_preferences json DEFAULT '{}'::json NOT NULL
);

CREATE TABLE public.staff_session (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    staff character varying(36) DEFAULT NULL::character varying NOT NULL,
    stage character varying(20) DEFAULT ''::character varying NOT NULL,
    created_at timestamp with time zone,
    last_seen_at timestamp with time zone,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone,
    ip character varying(64) DEFAULT ''::character varying NOT NULL,
    user_agent character varying(300) DEFAULT ''::character varying NOT NULL,
    method character varying(20) DEFAULT 'password'::character varying NOT NULL
);

CREATE TABLE public.staff_token (
    id character varying(64) DEFAULT ''::character varying NOT NULL,
    staff character varying(36) DEFAULT NULL::character varying NOT NULL,
    created_at timestamp with time zone,
    expires_at timestamp with time zone,
    used_at timestamp with time zone
);

CREATE TABLE public.subscriber_month (
    id integer NOT NULL,
    segment character varying(80) DEFAULT ''::character varying NOT NULL,
    month date DEFAULT CURRENT_DATE NOT NULL,
    trials_ended integer DEFAULT 0 NOT NULL,
    trials_converted integer DEFAULT 0 NOT NULL,
    dunning_closed integer DEFAULT 0 NOT NULL,
    dunning_recovered integer DEFAULT 0 NOT NULL,
    recovered_minor bigint,
    refunds integer DEFAULT 0 NOT NULL,
    refunded_minor bigint,
    reasons text DEFAULT '{}'::text NOT NULL,
    missing text DEFAULT '[]'::text NOT NULL
);

CREATE SEQUENCE public.subscriber_month_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.subscriber_month_id_seq OWNED BY public.subscriber_month.id;

CREATE TABLE public.subscriber_refresh (
    name character varying(20) DEFAULT ''::character varying NOT NULL,
    refreshed_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    reporting_currency character varying(3) DEFAULT ''::character varying NOT NULL,
    choices text DEFAULT '{}'::text NOT NULL
);

CREATE TABLE public.subscription (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer character varying(36) DEFAULT NULL::character varying NOT NULL,
    currency character varying(3) DEFAULT ''::character varying NOT NULL,
    timezone character varying(64) DEFAULT ''::character varying NOT NULL,
    proration character varying(8) DEFAULT ''::character varying NOT NULL,
    plan character varying(36) DEFAULT NULL::character varying NOT NULL,
    quantity integer DEFAULT 1 NOT NULL,
    status character varying(20) DEFAULT ''::character varying NOT NULL,
    anchor timestamp with time zone,
    period_start timestamp with time zone,
    period_end timestamp with time zone,
    next_action_at timestamp with time zone,
    created_at timestamp with time zone,
    canceled_at timestamp with time zone,
    pending_anchor timestamp with time zone,
    cancel_at_period_end boolean DEFAULT false NOT NULL,
    scheduled_plan_id character varying(36) DEFAULT NULL::character varying,
    scheduled_quantity integer,
    scheduled_from timestamp with time zone,
    resume_at timestamp with time zone,
    paused_at timestamp with time zone,
    incomplete_expires_at timestamp with time zone,
    coupon json,
    carry_minor bigint DEFAULT 0 NOT NULL,
    pending_lines json DEFAULT '[]'::json NOT NULL,
    addons json DEFAULT '[]'::json NOT NULL,
    period_invoice_id character varying(36) DEFAULT NULL::character varying,
    version integer DEFAULT 0 NOT NULL,
    test_clock_id character varying(36) DEFAULT NULL::character varying
);

CREATE TABLE public.subscription_history (
    id bigint NOT NULL,
    subscription_id character varying(36) DEFAULT ''::character varying NOT NULL,
    customer_id character varying(36) DEFAULT ''::character varying NOT NULL,
    version integer DEFAULT 0 NOT NULL,
    at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    state text DEFAULT ''::text NOT NULL,
    country character varying(2) DEFAULT NULL::character varying,
    tax_code character varying(64) DEFAULT NULL::character varying,
    tax_percentage character varying(32) DEFAULT NULL::character varying,
    tax_inclusive boolean DEFAULT false NOT NULL
);

CREATE SEQUENCE public.subscription_history_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;

ALTER SEQUENCE public.subscription_history_id_seq OWNED BY public.subscription_history.id;

CREATE TABLE public.tax_rate (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    country character varying(2) DEFAULT ''::character varying NOT NULL,
    region character varying(100) DEFAULT NULL::character varying,
    code character varying(40) DEFAULT ''::character varying NOT NULL,
    percentage character varying(12) DEFAULT ''::character varying NOT NULL,
    inclusive boolean DEFAULT false NOT NULL,
    archived_at timestamp with time zone,
    created_at timestamp with time zone
);

CREATE TABLE public.test_clock (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    name character varying(100) DEFAULT ''::character varying NOT NULL,
    frozen_at timestamp with time zone,
    created_at timestamp with time zone
);

CREATE TABLE public.usage_event (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    subscription character varying(36) DEFAULT NULL::character varying NOT NULL,
    meter character varying(100) DEFAULT ''::character varying NOT NULL,
    value text DEFAULT ''::text NOT NULL,
    at timestamp with time zone,
    key character varying(200) DEFAULT NULL::character varying,
    idempotency_key character varying(200) DEFAULT NULL::character varying
);

CREATE TABLE public.webhook_attempt (
    id character varying(36) DEFAULT ''::character varying NOT NULL,
    delivery_id character varying(40) DEFAULT ''::character varying NOT NULL,
    endpoint_id character varying(40) DEFAULT ''::character varying NOT NULL,
    event_id character varying(40) DEFAULT ''::character varying NOT NULL,
    number integer DEFAULT 0 NOT NULL,
    at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    status_code integer,
    latency_ms integer DEFAULT 0 NOT NULL,
    response_excerpt text DEFAULT ''::text NOT NULL,
    error character varying(500) DEFAULT NULL::character varying,
    succeeded boolean DEFAULT false NOT NULL,
    replay boolean DEFAULT false NOT NULL
);

CREATE TABLE public.webhook_delivery (
    id character varying(40) DEFAULT ''::character varying NOT NULL,
    event_id character varying(40) DEFAULT ''::character varying NOT NULL,
    endpoint_id character varying(40) DEFAULT ''::character varying NOT NULL,
    event_type character varying(64) DEFAULT ''::character varying NOT NULL,
    status character varying(16) DEFAULT ''::character varying NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone,
    last_status_code integer,
    last_error character varying(500) DEFAULT NULL::character varying,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    finished_at timestamp with time zone
);

CREATE TABLE public.webhook_endpoint (
    id character varying(40) DEFAULT ''::character varying NOT NULL,
    url character varying(2048) DEFAULT ''::character varying NOT NULL,
    description character varying(200) DEFAULT ''::character varying NOT NULL,
    event_types text DEFAULT '[]'::text NOT NULL,
    secret character varying(100) DEFAULT ''::character varying NOT NULL,
    enabled boolean DEFAULT true NOT NULL,
    disabled_reason character varying(300) DEFAULT NULL::character varying,
    failing_since timestamp with time zone,
    created_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    updated_at timestamp with time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    previous_secret character varying(100) DEFAULT NULL::character varying,
    previous_secret_expires_at timestamp with time zone
);

ALTER TABLE ONLY public.audit_entry ALTER COLUMN seq SET DEFAULT nextval('public.audit_entry_seq_seq'::regclass);

ALTER TABLE ONLY public.cohort_row ALTER COLUMN id SET DEFAULT nextval('public.cohort_row_id_seq'::regclass);

ALTER TABLE ONLY public.dunning_case ALTER COLUMN id SET DEFAULT nextval('public.dunning_case_id_seq'::regclass);

ALTER TABLE ONLY public.migration ALTER COLUMN id SET DEFAULT nextval('public.migration_id_seq'::regclass);

ALTER TABLE ONLY public.mrr_daily_aggregate ALTER COLUMN id SET DEFAULT nextval('public.mrr_daily_aggregate_id_seq'::regclass);

ALTER TABLE ONLY public.mrr_movement ALTER COLUMN id SET DEFAULT nextval('public.mrr_movement_id_seq'::regclass);

ALTER TABLE ONLY public.subscriber_month ALTER COLUMN id SET DEFAULT nextval('public.subscriber_month_id_seq'::regclass);

ALTER TABLE ONLY public.subscription_history ALTER COLUMN id SET DEFAULT nextval('public.subscription_history_id_seq'::regclass);

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_email_key UNIQUE (email);

ALTER TABLE ONLY public.account_identity
    ADD CONSTRAINT account_identity_key_key UNIQUE (key);

ALTER TABLE ONLY public.account_identity
    ADD CONSTRAINT account_identity_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.analytics_email_opt_in
    ADD CONSTRAINT analytics_email_opt_in_pkey PRIMARY KEY (staff_id);

ALTER TABLE ONLY public.analytics_refresh
    ADD CONSTRAINT analytics_refresh_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.analytics_version
    ADD CONSTRAINT analytics_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_idempotency
    ADD CONSTRAINT api_idempotency_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.api_key
    ADD CONSTRAINT api_key_secret_hash_key UNIQUE (secret_hash);

ALTER TABLE ONLY public.audit_entry
    ADD CONSTRAINT audit_entry_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.auth_session
    ADD CONSTRAINT auth_session_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.cancellation_feedback
    ADD CONSTRAINT cancellation_feedback_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.catalog_version
    ADD CONSTRAINT catalog_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.checkout_session
    ADD CONSTRAINT checkout_session_pkey PRIMARY KEY (token);

ALTER TABLE ONLY public.cohort_refresh
    ADD CONSTRAINT cohort_refresh_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.cohort_row
    ADD CONSTRAINT cohort_row_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.coupon
    ADD CONSTRAINT coupon_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_note_document
    ADD CONSTRAINT credit_note_document_credit_note_key UNIQUE (credit_note);

ALTER TABLE ONLY public.credit_note_document
    ADD CONSTRAINT credit_note_document_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_note_line
    ADD CONSTRAINT credit_note_line_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.credit_note
    ADD CONSTRAINT credit_note_number_key UNIQUE (number);

ALTER TABLE ONLY public.credit_note
    ADD CONSTRAINT credit_note_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer_balance_transaction
    ADD CONSTRAINT customer_balance_transaction_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer
    ADD CONSTRAINT customer_email_key UNIQUE (email);

ALTER TABLE ONLY public.customer_entitlement
    ADD CONSTRAINT customer_entitlement_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer_external_ref
    ADD CONSTRAINT customer_external_ref_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.customer_import
    ADD CONSTRAINT customer_import_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer_note
    ADD CONSTRAINT customer_note_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.customer
    ADD CONSTRAINT customer_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.dunning_case
    ADD CONSTRAINT dunning_case_invoice_key UNIQUE (invoice);

ALTER TABLE ONLY public.dunning_case
    ADD CONSTRAINT dunning_case_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.dunning_policy
    ADD CONSTRAINT dunning_policy_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.email_token
    ADD CONSTRAINT email_token_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.exchange_rate
    ADD CONSTRAINT exchange_rate_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.feature
    ADD CONSTRAINT feature_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.invoice
    ADD CONSTRAINT invoice_cycle_key_key UNIQUE (cycle_key);

ALTER TABLE ONLY public.invoice_document
    ADD CONSTRAINT invoice_document_invoice_key UNIQUE (invoice);

ALTER TABLE ONLY public.invoice_document
    ADD CONSTRAINT invoice_document_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice_line
    ADD CONSTRAINT invoice_line_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice
    ADD CONSTRAINT invoice_number_key UNIQUE (number);

ALTER TABLE ONLY public.invoice
    ADD CONSTRAINT invoice_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice_series
    ADD CONSTRAINT invoice_series_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.invoice_series
    ADD CONSTRAINT invoice_series_prefix_key UNIQUE (prefix);

ALTER TABLE ONLY public.job_failure
    ADD CONSTRAINT job_failure_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.job
    ADD CONSTRAINT job_unique_key_key UNIQUE (unique_key);

ALTER TABLE ONLY public.migration
    ADD CONSTRAINT migration_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mrr_daily_aggregate
    ADD CONSTRAINT mrr_daily_aggregate_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.mrr_movement
    ADD CONSTRAINT mrr_movement_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.outbound_event
    ADD CONSTRAINT outbound_event_key_key UNIQUE (key);

ALTER TABLE ONLY public.outbound_event
    ADD CONSTRAINT outbound_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.outbox_email
    ADD CONSTRAINT outbox_email_dedupe_key_key UNIQUE (dedupe_key);

ALTER TABLE ONLY public.outbox_email
    ADD CONSTRAINT outbox_email_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_method
    ADD CONSTRAINT payment_method_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.payment_webhook_event
    ADD CONSTRAINT payment_webhook_event_pkey PRIMARY KEY (key);

ALTER TABLE ONLY public.plan_change_rule
    ADD CONSTRAINT plan_change_rule_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.plan_feature
    ADD CONSTRAINT plan_feature_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.plan
    ADD CONSTRAINT plan_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.plan_price
    ADD CONSTRAINT plan_price_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.price_migration_notice
    ADD CONSTRAINT price_migration_notice_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.price_migration
    ADD CONSTRAINT price_migration_open_from_plan_key UNIQUE (open_from_plan);

ALTER TABLE ONLY public.price_migration
    ADD CONSTRAINT price_migration_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.promotion_code
    ADD CONSTRAINT promotion_code_code_key UNIQUE (code);

ALTER TABLE ONLY public.promotion_code
    ADD CONSTRAINT promotion_code_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.promotions_version
    ADD CONSTRAINT promotions_version_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_credit_note_id_key UNIQUE (credit_note_id);

ALTER TABLE ONLY public.refund
    ADD CONSTRAINT refund_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.sandbox_card
    ADD CONSTRAINT sandbox_card_pkey PRIMARY KEY (ref);

ALTER TABLE ONLY public.sandbox_customer
    ADD CONSTRAINT sandbox_customer_customer_id_key UNIQUE (customer_id);

ALTER TABLE ONLY public.sandbox_customer
    ADD CONSTRAINT sandbox_customer_pkey PRIMARY KEY (ref);

ALTER TABLE ONLY public.sandbox_payment
    ADD CONSTRAINT sandbox_payment_idempotency_key_key UNIQUE (idempotency_key);

ALTER TABLE ONLY public.sandbox_payment
    ADD CONSTRAINT sandbox_payment_pkey PRIMARY KEY (ref);

ALTER TABLE ONLY public.sign_in_attempt
    ADD CONSTRAINT sign_in_attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_member
    ADD CONSTRAINT staff_member_email_key UNIQUE (email);

ALTER TABLE ONLY public.staff_member
    ADD CONSTRAINT staff_member_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_session
    ADD CONSTRAINT staff_session_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.staff_token
    ADD CONSTRAINT staff_token_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscriber_month
    ADD CONSTRAINT subscriber_month_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscriber_refresh
    ADD CONSTRAINT subscriber_refresh_pkey PRIMARY KEY (name);

ALTER TABLE ONLY public.subscription_history
    ADD CONSTRAINT subscription_history_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.subscription
    ADD CONSTRAINT subscription_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.tax_rate
    ADD CONSTRAINT tax_rate_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.test_clock
    ADD CONSTRAINT test_clock_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.usage_event
    ADD CONSTRAINT usage_event_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_attempt
    ADD CONSTRAINT webhook_attempt_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_delivery
    ADD CONSTRAINT webhook_delivery_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.webhook_endpoint
    ADD CONSTRAINT webhook_endpoint_pkey PRIMARY KEY (id);

CREATE INDEX account_customer ON public.account USING btree (customer);

CREATE INDEX account_identity_account ON public.account_identity USING btree (account);

CREATE INDEX api_idempotency_expires_at ON public.api_idempotency USING btree (expires_at);

CREATE INDEX audit_entry_action ON public.audit_entry USING btree (action);

CREATE INDEX audit_entry_actor_staff_id ON public.audit_entry USING btree (actor_staff_id);

CREATE INDEX audit_entry_at ON public.audit_entry USING btree (at);

CREATE INDEX audit_entry_customer_id ON public.audit_entry USING btree (customer_id);

CREATE INDEX auth_session_account ON public.auth_session USING btree (account);

CREATE INDEX cancellation_feedback_subscription ON public.cancellation_feedback USING btree (subscription);

CREATE INDEX checkout_session_customer ON public.checkout_session USING btree (customer);

CREATE INDEX checkout_session_state ON public.checkout_session USING btree (state);

CREATE INDEX cohort_row_segment ON public.cohort_row USING btree (segment);

CREATE INDEX credit_note_customer_id ON public.credit_note USING btree (customer_id);

CREATE INDEX credit_note_customer_issued_at ON public.credit_note USING btree (customer_id, issued_at);

CREATE INDEX credit_note_invoice ON public.credit_note USING btree (invoice);

CREATE INDEX credit_note_line_credit_note ON public.credit_note_line USING btree (credit_note);

CREATE INDEX credit_note_subscription_id ON public.credit_note USING btree (subscription_id);

CREATE INDEX customer_balance_transaction_customer_id ON public.customer_balance_transaction USING btree (customer_id);

CREATE INDEX customer_email_prefix ON public.customer USING btree (lower((email)::text) text_pattern_ops);

CREATE INDEX customer_email_trgm ON public.customer USING gin (lower((email)::text) public.gin_trgm_ops);

CREATE INDEX customer_entitlement_customer ON public.customer_entitlement USING btree (customer);

CREATE INDEX customer_entitlement_feature_key ON public.customer_entitlement USING btree (feature_key);

CREATE INDEX customer_external_ref_customer_id ON public.customer_external_ref USING btree (customer_id);

CREATE INDEX customer_import_created_at ON public.customer_import USING btree (created_at);

CREATE INDEX customer_name_prefix ON public.customer USING btree (lower((name)::text) text_pattern_ops);

CREATE INDEX customer_name_trgm ON public.customer USING gin (lower((name)::text) public.gin_trgm_ops);

CREATE INDEX customer_note_customer_id ON public.customer_note USING btree (customer_id);

CREATE INDEX customer_test_clock_id ON public.customer USING btree (test_clock_id);

CREATE INDEX dunning_case_customer_id ON public.dunning_case USING btree (customer_id);

CREATE INDEX dunning_case_next_attempt_at ON public.dunning_case USING btree (next_attempt_at);

CREATE INDEX email_token_account ON public.email_token USING btree (account);

CREATE INDEX exchange_rate_currency ON public.exchange_rate USING btree (currency);

CREATE INDEX invoice_customer_id ON public.invoice USING btree (customer_id);

CREATE INDEX invoice_customer_issued_at ON public.invoice USING btree (customer_id, issued_at, id);

CREATE INDEX invoice_line_invoice ON public.invoice_line USING btree (invoice);

CREATE INDEX invoice_subscription_id ON public.invoice USING btree (subscription_id);

CREATE INDEX job_failure_job_id ON public.job_failure USING btree (job_id);

CREATE INDEX job_queued_run_at ON public.job USING btree (run_at) WHERE ((status)::text = 'queued'::text);

CREATE INDEX job_running_locked_until ON public.job USING btree (locked_until) WHERE ((status)::text = 'running'::text);

CREATE INDEX job_status ON public.job USING btree (status);

CREATE INDEX mrr_daily_aggregate_day ON public.mrr_daily_aggregate USING btree (day);

CREATE INDEX mrr_daily_aggregate_slice_day ON public.mrr_daily_aggregate USING btree (plan_code, currency, country, day);

CREATE INDEX mrr_movement_at ON public.mrr_movement USING btree (at);

CREATE INDEX mrr_movement_customer_id ON public.mrr_movement USING btree (customer_id);

CREATE INDEX mrr_movement_subscription_id ON public.mrr_movement USING btree (subscription_id);

CREATE INDEX outbound_event_at ON public.outbound_event USING btree (at);

CREATE INDEX outbound_event_dispatched ON public.outbound_event USING btree (dispatched);

CREATE INDEX outbound_event_type ON public.outbound_event USING btree (type);

CREATE INDEX outbox_email_created_at ON public.outbox_email USING btree (created_at);

CREATE INDEX outbox_email_recipient ON public.outbox_email USING btree (recipient);

CREATE INDEX outbox_email_status ON public.outbox_email USING btree (status);

CREATE INDEX payment_attempt_customer_id ON public.payment_attempt USING btree (customer_id);

CREATE INDEX payment_attempt_invoice ON public.payment_attempt USING btree (invoice);

CREATE INDEX payment_attempt_payment_ref ON public.payment_attempt USING btree (payment_ref);

CREATE INDEX payment_method_customer ON public.payment_method USING btree (customer);

CREATE INDEX payment_method_last4 ON public.payment_method USING btree (last4);

CREATE INDEX payment_webhook_event_outcome ON public.payment_webhook_event USING btree (outcome);

CREATE UNIQUE INDEX plan_change_rule_pair ON public.plan_change_rule USING btree (from_code, to_code);

CREATE UNIQUE INDEX plan_code_current ON public.plan USING btree (code) WHERE (retired_at IS NULL);

CREATE UNIQUE INDEX plan_code_version ON public.plan USING btree (code, version);

CREATE INDEX plan_feature_feature_key ON public.plan_feature USING btree (feature_key);

CREATE INDEX plan_feature_plan_code ON public.plan_feature USING btree (plan_code);

CREATE INDEX plan_price_plan ON public.plan_price USING btree (plan);

CREATE UNIQUE INDEX plan_price_plan_currency ON public.plan_price USING btree (plan, currency);

CREATE INDEX price_migration_notice_migration_id ON public.price_migration_notice USING btree (migration_id);

CREATE INDEX price_migration_plan_code ON public.price_migration USING btree (plan_code);

CREATE INDEX promotion_code_coupon ON public.promotion_code USING btree (coupon);

CREATE INDEX refund_customer_id ON public.refund USING btree (customer_id);

CREATE INDEX refund_invoice_id ON public.refund USING btree (invoice_id);

CREATE INDEX sandbox_card_customer_ref ON public.sandbox_card USING btree (customer_ref);

CREATE INDEX sign_in_attempt_at ON public.sign_in_attempt USING btree (at);

CREATE INDEX sign_in_attempt_key ON public.sign_in_attempt USING btree (key);

CREATE INDEX staff_session_staff ON public.staff_session USING btree (staff);

CREATE INDEX staff_token_staff ON public.staff_token USING btree (staff);

CREATE INDEX subscriber_month_segment ON public.subscriber_month USING btree (segment);

CREATE INDEX subscription_customer ON public.subscription USING btree (customer);

CREATE INDEX subscription_history_customer_id ON public.subscription_history USING btree (customer_id);

CREATE INDEX subscription_history_subscription_id ON public.subscription_history USING btree (subscription_id);

CREATE INDEX subscription_next_action_at ON public.subscription USING btree (next_action_at);

CREATE INDEX subscription_status ON public.subscription USING btree (status);

CREATE INDEX subscription_test_clock_id ON public.subscription USING btree (test_clock_id);

CREATE INDEX tax_rate_country ON public.tax_rate USING btree (country);

CREATE UNIQUE INDEX tax_rate_one_active ON public.tax_rate USING btree (country, lower((COALESCE(region, ''::character varying))::text)) WHERE (archived_at IS NULL);

CREATE INDEX usage_event_subscription_at ON public.usage_event USING btree (subscription, at);

CREATE UNIQUE INDEX usage_event_subscription_key ON public.usage_event USING btree (subscription, idempotency_key);

CREATE INDEX webhook_attempt_at ON public.webhook_attempt USING btree (at);

CREATE INDEX webhook_attempt_delivery_id ON public.webhook_attempt USING btree (delivery_id);

CREATE INDEX webhook_attempt_endpoint_id ON public.webhook_attempt USING btree (endpoint_id);

CREATE INDEX webhook_delivery_created_at ON public.webhook_delivery USING btree (created_at);

CREATE INDEX webhook_delivery_endpoint_id ON public.webhook_delivery USING btree (endpoint_id);

CREATE INDEX webhook_delivery_event_id ON public.webhook_delivery USING btree (event_id);

CREATE INDEX webhook_delivery_status ON public.webhook_delivery USING btree (status);

CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON public.audit_entry FOR EACH STATEMENT EXECUTE FUNCTION public.audit_entry_append_only();

CREATE TRIGGER audit_entry_no_update_or_delete BEFORE DELETE OR UPDATE ON public.audit_entry FOR EACH ROW EXECUTE FUNCTION public.audit_entry_append_only();

ALTER TABLE ONLY public.account
    ADD CONSTRAINT account_customer_fkey FOREIGN KEY (customer) REFERENCES public.customer(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.account_identity
    ADD CONSTRAINT account_identity_account_fkey FOREIGN KEY (account) REFERENCES public.account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.auth_session
    ADD CONSTRAINT auth_session_account_fkey FOREIGN KEY (account) REFERENCES public.account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.cancellation_feedback
    ADD CONSTRAINT cancellation_feedback_customer_fkey FOREIGN KEY (customer) REFERENCES public.customer(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.cancellation_feedback
    ADD CONSTRAINT cancellation_feedback_subscription_fkey FOREIGN KEY (subscription) REFERENCES public.subscription(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.checkout_session
    ADD CONSTRAINT checkout_session_account_fkey FOREIGN KEY (account) REFERENCES public.account(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.checkout_session
    ADD CONSTRAINT checkout_session_customer_fkey FOREIGN KEY (customer) REFERENCES public.customer(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.credit_note_document
    ADD CONSTRAINT credit_note_document_credit_note_fkey FOREIGN KEY (credit_note) REFERENCES public.credit_note(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.credit_note
    ADD CONSTRAINT credit_note_invoice_fkey FOREIGN KEY (invoice) REFERENCES public.invoice(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.credit_note_line
    ADD CONSTRAINT credit_note_line_credit_note_fkey FOREIGN KEY (credit_note) REFERENCES public.credit_note(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.dunning_case
    ADD CONSTRAINT dunning_case_invoice_fkey FOREIGN KEY (invoice) REFERENCES public.invoice(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.email_token
    ADD CONSTRAINT email_token_account_fkey FOREIGN KEY (account) REFERENCES public.account(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.invoice_document
    ADD CONSTRAINT invoice_document_invoice_fkey FOREIGN KEY (invoice) REFERENCES public.invoice(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.invoice_line
    ADD CONSTRAINT invoice_line_invoice_fkey FOREIGN KEY (invoice) REFERENCES public.invoice(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.payment_attempt
    ADD CONSTRAINT payment_attempt_invoice_fkey FOREIGN KEY (invoice) REFERENCES public.invoice(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.payment_method
    ADD CONSTRAINT payment_method_customer_fkey FOREIGN KEY (customer) REFERENCES public.customer(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.plan_price
    ADD CONSTRAINT plan_price_plan_fkey FOREIGN KEY (plan) REFERENCES public.plan(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.promotion_code
    ADD CONSTRAINT promotion_code_coupon_fkey FOREIGN KEY (coupon) REFERENCES public.coupon(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.staff_session
    ADD CONSTRAINT staff_session_staff_fkey FOREIGN KEY (staff) REFERENCES public.staff_member(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.staff_token
    ADD CONSTRAINT staff_token_staff_fkey FOREIGN KEY (staff) REFERENCES public.staff_member(id) ON UPDATE CASCADE ON DELETE CASCADE;

ALTER TABLE ONLY public.subscription
    ADD CONSTRAINT subscription_customer_fkey FOREIGN KEY (customer) REFERENCES public.customer(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.subscription
    ADD CONSTRAINT subscription_plan_fkey FOREIGN KEY (plan) REFERENCES public.plan(id) ON UPDATE CASCADE ON DELETE RESTRICT;

ALTER TABLE ONLY public.usage_event
    ADD CONSTRAINT usage_event_subscription_fkey FOREIGN KEY (subscription) REFERENCES public.subscription(id) ON UPDATE CASCADE ON DELETE CASCADE;

