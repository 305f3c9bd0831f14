
-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Name: order_counts_on_delete(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.order_counts_on_delete() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    -- Any one of the user's rows takes the decrement: only the sum is meaningful.
    UPDATE order_counts c SET n = c.n - d.n
    FROM (SELECT creator_id, count(*) AS n FROM deleted GROUP BY creator_id) d
    WHERE c.creator_id = d.creator_id
      AND c.shard = (SELECT min(shard) FROM order_counts WHERE creator_id = d.creator_id);
    RETURN NULL;
END $$;


--
-- Name: order_counts_on_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.order_counts_on_insert() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    INSERT INTO order_counts AS c (creator_id, shard, n)
    SELECT creator_id, (pg_backend_pid() % 8)::smallint, count(*) FROM inserted GROUP BY creator_id
    ON CONFLICT (creator_id, shard) DO UPDATE SET n = c.n + excluded.n;
    RETURN NULL;
END $$;


--
-- Name: order_counts_on_user_delete(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.order_counts_on_user_delete() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    DELETE FROM order_counts c USING deleted d WHERE c.creator_id = d.id;
    RETURN NULL;
END $$;


--
-- Name: outbox_notify(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.outbox_notify() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    PERFORM pg_notify('outbox', (SELECT max(id)::text FROM inserted_rows));
    RETURN NULL;
END;
$$;


SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: cache_repairs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.cache_repairs (
    order_id uuid NOT NULL,
    repair_id uuid NOT NULL,
    queued_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: dlq_replays; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.dlq_replays (
    dlq_topic text NOT NULL,
    dlq_partition integer NOT NULL,
    dlq_offset bigint NOT NULL,
    event_id uuid,
    topic text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    replayed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: idempotency_keys; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.idempotency_keys (
    user_id uuid NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    response_status integer NOT NULL,
    response_body jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT idempotency_keys_key_check CHECK (((length(key) >= 1) AND (length(key) <= 255)))
);


--
-- Name: order_counts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.order_counts (
    creator_id uuid NOT NULL,
    shard smallint NOT NULL,
    n bigint NOT NULL
);


--
-- Name: orders; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.orders (
    id uuid NOT NULL,
    creator_id uuid NOT NULL,
    items jsonb NOT NULL,
    order_price numeric(14,2) NOT NULL,
    status text DEFAULT 'PENDING'::text NOT NULL,
    version integer DEFAULT 1 NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT orders_items_check CHECK ((jsonb_typeof(items) = 'object'::text)),
    CONSTRAINT orders_order_price_check CHECK ((order_price >= (0)::numeric)),
    CONSTRAINT orders_status_check CHECK ((status = ANY (ARRAY['PENDING'::text, 'PAID'::text, 'SHIPPED'::text, 'CANCELED'::text])))
);


--
-- Name: outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.outbox (
    id bigint NOT NULL,
    event_id uuid NOT NULL,
    topic text NOT NULL,
    record_key text NOT NULL,
    record_value text NOT NULL,
    headers jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    next_attempt_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    sent_at timestamp with time zone,
    state text DEFAULT 'pending'::text NOT NULL,
    claim_token uuid,
    traceparent text,
    CONSTRAINT outbox_state_check CHECK ((state = ANY (ARRAY['pending'::text, 'sent'::text, 'parked'::text])))
);


--
-- Name: outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.outbox ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);


--
-- Name: processed_events; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.processed_events (
    event_id uuid NOT NULL,
    order_id uuid NOT NULL,
    topic text NOT NULL,
    kafka_partition integer NOT NULL,
    kafka_offset bigint NOT NULL,
    processed_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: refresh_tokens; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.refresh_tokens (
    jti uuid NOT NULL,
    family_id uuid NOT NULL,
    user_id uuid NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    used_at timestamp with time zone,
    revoked_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL
);


--
-- Name: schema_migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.schema_migrations (
    version character varying(128) NOT NULL
);


--
-- Name: session_revocations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.session_revocations (
    sid uuid NOT NULL,
    revoked_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone NOT NULL,
    pushed_at timestamp with time zone
);


--
-- Name: users; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.users (
    id uuid NOT NULL,
    email text NOT NULL,
    password_hash text NOT NULL,
    role text DEFAULT 'user'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT users_email_check CHECK (((length(email) >= 3) AND (length(email) <= 320))),
    CONSTRAINT users_email_lowercase CHECK ((email = lower(email))),
    CONSTRAINT users_role_check CHECK ((role = ANY (ARRAY['user'::text, 'admin'::text])))
);


--
-- Name: cache_repairs cache_repairs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.cache_repairs
    ADD CONSTRAINT cache_repairs_pkey PRIMARY KEY (order_id);


--
-- Name: dlq_replays dlq_replays_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.dlq_replays
    ADD CONSTRAINT dlq_replays_pkey PRIMARY KEY (dlq_topic, dlq_partition, dlq_offset);


--
-- Name: idempotency_keys idempotency_keys_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key);


--
-- Name: order_counts order_counts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.order_counts
    ADD CONSTRAINT order_counts_pkey PRIMARY KEY (creator_id, shard);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (id);


--
-- Name: outbox outbox_event_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_event_id_key UNIQUE (event_id);


--
-- Name: outbox outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.outbox
    ADD CONSTRAINT outbox_pkey PRIMARY KEY (id);


--
-- Name: processed_events processed_events_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.processed_events
    ADD CONSTRAINT processed_events_pkey PRIMARY KEY (event_id);


--
-- Name: refresh_tokens refresh_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (jti);


--
-- Name: schema_migrations schema_migrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.schema_migrations
    ADD CONSTRAINT schema_migrations_pkey PRIMARY KEY (version);


--
-- Name: session_revocations session_revocations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.session_revocations
    ADD CONSTRAINT session_revocations_pkey PRIMARY KEY (sid);


--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- Name: cache_repairs_queued_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX cache_repairs_queued_idx ON public.cache_repairs USING btree (queued_at);


--
-- Name: idempotency_keys_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX idempotency_keys_created_idx ON public.idempotency_keys USING btree (created_at);


--
-- Name: orders_creator_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX orders_creator_created_idx ON public.orders USING btree (creator_id, created_at DESC, id DESC);


--
-- Name: outbox_parked_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_parked_idx ON public.outbox USING btree (id) WHERE (state = 'parked'::text);


--
-- Name: outbox_pending_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_pending_idx ON public.outbox USING btree (next_attempt_at, id) WHERE (state = 'pending'::text);


--
-- Name: outbox_sent_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX outbox_sent_at_idx ON public.outbox USING btree (sent_at) WHERE (state = 'sent'::text);


--
-- Name: processed_events_order_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX processed_events_order_idx ON public.processed_events USING btree (order_id);


--
-- Name: processed_events_processed_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX processed_events_processed_at_idx ON public.processed_events USING btree (processed_at);


--
-- Name: refresh_tokens_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refresh_tokens_expires_idx ON public.refresh_tokens USING btree (expires_at);


--
-- Name: refresh_tokens_family_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX refresh_tokens_family_idx ON public.refresh_tokens USING btree (family_id);


--
-- Name: session_revocations_expires_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX session_revocations_expires_idx ON public.session_revocations USING btree (expires_at);


--
-- Name: session_revocations_unpushed_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX session_revocations_unpushed_idx ON public.session_revocations USING btree (revoked_at) WHERE (pushed_at IS NULL);


--
-- Name: users_email_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX users_email_key ON public.users USING btree (lower(email));


--
-- Name: orders orders_count_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_count_delete AFTER DELETE ON public.orders REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION public.order_counts_on_delete();


--
-- Name: orders orders_count_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER orders_count_insert AFTER INSERT ON public.orders REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION public.order_counts_on_insert();


--
-- Name: outbox outbox_notify; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER outbox_notify AFTER INSERT ON public.outbox REFERENCING NEW TABLE AS inserted_rows FOR EACH STATEMENT EXECUTE FUNCTION public.outbox_notify();


--
-- Name: users users_count_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER users_count_delete AFTER DELETE ON public.users REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION public.order_counts_on_user_delete();


--
-- Name: idempotency_keys idempotency_keys_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.idempotency_keys
    ADD CONSTRAINT idempotency_keys_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: orders orders_creator_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_creator_id_fkey FOREIGN KEY (creator_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- Name: refresh_tokens refresh_tokens_user_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.refresh_tokens
    ADD CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id) ON DELETE CASCADE;


--
-- PostgreSQL database dump complete
--



--
-- Dbmate schema migrations
--

INSERT INTO public.schema_migrations (version) VALUES
    ('20261124070000'),
    ('20261124070100'),
    ('20261124070200'),
    ('20261124070300'),
    ('20261124070400'),
    ('20261124070500'),
    ('20261125090000'),
    ('20261125091000'),
    ('20261125092000'),
    ('20261125093000'),
    ('20261204120000'),
    ('20261204170000'),
    ('20261204171000');
