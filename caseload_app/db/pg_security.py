"""A team database's own defences: the access matrix of domain.access enforced by PostgreSQL
itself, so that a modified or home-made client gets no more than the app would allow. (Long
on purpose: every grant, policy and trigger is here, so the whole policy reads in one place.)

- Every person signs in with their own login, a member of the group role `caseload_user`.
  Table privileges go to that group; row-level security decides, row by row, from the
  person's roles in `app_user` (read through SECURITY DEFINER functions keyed on
  session_user, which a client cannot change).
- The audit trail is append-only (no UPDATE or DELETE privilege, and a trigger refuses
  them even to the owner) and cannot be forged: people write it only through
  caseload_audit(), which accepts only the app's own kinds of entry, and a trigger stamps
  who and when. Every change
  a signed-in person makes to a data table is written to it by a trigger too.
- The trash holds only what its maker deleted with it, as it was (checked at commit against
  those trigger-written entries), and comes back whole; the rules that trust what it holds
  (a trashed document's bytes, a plan audit coming back) trust only items already committed.

`apply(connection)` is idempotent; `caseload admin init` runs it after every upgrade, as
the database owner (who, owning the tables, is not subject to row-level security).
"""

from __future__ import annotations

import json
import re

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from caseload_app.db.engine import DatabaseError
from caseload_app.db.models import Base
from caseload_app.domain.access import Role
from caseload_app.domain.audit_actions import AUDIT_ACTIONS, READING

GROUP = "caseload_user"  # every person: connect, read, record audit entries
AUDIT_FUNCTION = "caseload_audit(text, text, integer, integer, text, text, timestamp)"


def group_of(role: str) -> str:
    """The PostgreSQL group role of an app role: caseload_caseworker, caseload_team_lead…"""
    return f"caseload_{role}"


ROLE_GROUPS = [group_of(r.value) for r in Role]
PERSON_TABLES = {"app_user", "app_setting"}  # administrators' (and leads': workload weights)
TEAM_TABLES = {"caseworker", "absence"}  # leads'
# The DfE's register (imported) and the advice providers (kept by hand): leads and
# administrators write them, everyone reads them.
REFERENCE_TABLES = {"establishment", "advice_provider"}

# Tables whose rows belong to a case (a column case_id), edited with their case.
CASE_TABLES = (
    "stage_event",
    "advice_request",
    "task",
    "annual_review",
    "case_exception",
    "disagreement",
    "tribunal_order",
    "school_consultation",
    "reassessment",
    "plan_version",
    "plan_audit",
    "document",
    "outbox",
)
ALL_PRIVILEGES = "SELECT, INSERT, UPDATE, DELETE"

# Set on every caseload login, so no person's session can hold the team up: a wait for a
# lock, a runaway statement and a transaction left open (LOCK TABLE, then nothing) all end.
# The comment on every login caseload created, naming its database (roles are the whole
# server's, not one database's): the login manager changes no role without this
# database's mark, so one team's administrator cannot take over another team's logins.
MARK = "caseload login: created and managed by caseload"
LOGIN_LIMITS = {
    "__LOCK_TIMEOUT__": "10s",
    "__STATEMENT_TIMEOUT__": "120s",
    "__IDLE_TIMEOUT__": "60s",
}

# Logins made before caseload marked its own (people in app_user who are direct members of
# caseload_user, hold nothing else and own no database) are marked at `admin init`; then
# every caseload login gets the session limits.
ADOPT_AND_LIMIT = r"""
DO $$ DECLARE r record; BEGIN
    FOR r IN SELECT ro.rolname FROM pg_roles ro JOIN app_user u ON u.login = ro.rolname
              WHERE shobj_description(ro.oid, 'pg_authid') IS NULL
                AND EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                             WHERE m.member = ro.oid AND g.rolname = 'caseload_user')
                AND NOT (ro.rolsuper OR ro.rolcreaterole OR ro.rolreplication OR ro.rolbypassrls
                         OR ro.rolcreatedb)
                AND NOT EXISTS (SELECT 1 FROM pg_database WHERE datdba = ro.oid)
                AND NOT caseload_holds_elsewhere(ro.oid)
                AND cardinality(caseload_foreign_memberships(ro.oid)) = 0 LOOP
        EXECUTE format('COMMENT ON ROLE %I IS %L', r.rolname, caseload_mark());
    END LOOP;
    FOR r IN SELECT rolname FROM pg_roles
              WHERE shobj_description(oid, 'pg_authid') = caseload_mark() LOOP
        PERFORM caseload_limit_login(r.rolname);
    END LOOP;
END $$
"""
# plan_seal is written only by plan_version's own triggers (migration 0019), as the owner.
# stored_file: a file's bytes (megabytes) are not copied into the audit trail; the document
# that holds them is audited, and the server checks the bytes against their sha256.
NOT_AUDITED_BY_TRIGGER = {
    # The DfE's public register: its import is audited once by the service, not row by row
    # (about 50,000 rows a file).
    "establishment",
    "audit_entry",
    "submission",
    "alembic_version",
    "plan_seal",
    "stored_file",
}

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION caseload_roles() RETURNS text[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT coalesce(
        (SELECT string_to_array(roles, ' ') FROM app_user
          WHERE login = session_user AND active),
        '{}'::text[])
$$;

-- A role counts when the person holds it here (app_user) and is a member of its group role.
CREATE OR REPLACE FUNCTION caseload_has(wanted text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT wanted = ANY (caseload_roles())
       AND pg_has_role(session_user, 'caseload_' || wanted, 'MEMBER')
$$;

CREATE OR REPLACE FUNCTION caseload_active() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT cardinality(caseload_roles()) > 0
$$;

CREATE OR REPLACE FUNCTION caseload_writer() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT caseload_has('caseworker') OR caseload_has('team_lead')
$$;

-- Whether the person may restore an item in the trash: theirs (or anyone's, for a team lead),
-- still in the trash, and not made in this transaction: what an item holds is checked only
-- as it is committed (caseload_trash_kept), and anything read before a rollback is read.
CREATE OR REPLACE FUNCTION caseload_may_restore(item integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.trash_item t
                    WHERE t.id = item AND t.restored_at IS NULL AND age(t.xmin) <> 0
                      AND (t.deleted_by = session_user OR public.caseload_has('team_lead')))
$$;

-- A file's bytes are stored only through here: by someone who may add a document (or the
-- owner's maintenance), under their own sha256, once. (A person cannot INSERT into
-- stored_file: the bytes may already be there, held by a document in the trash that the
-- person is not allowed to see.)
CREATE OR REPLACE FUNCTION caseload_store_file(sha text, bytes bytea) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF public.caseload_active() THEN
        IF NOT public.caseload_writer() THEN
            RAISE EXCEPTION 'only people who may add documents store files'
                USING ERRCODE = '42501';
        END IF;
    ELSIF NOT pg_has_role(session_user,
            (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER') THEN
        RAISE EXCEPTION 'only caseload people store files' USING ERRCODE = '42501';
    END IF;
    IF sha IS DISTINCT FROM encode(sha256(bytes), 'hex') THEN
        RAISE EXCEPTION 'a file is stored under its own sha256' USING ERRCODE = '22023';
    END IF;
    -- Already there: touched, so this transaction may add a document holding it.
    INSERT INTO public.stored_file (sha256, size, data, created_at)
    VALUES (sha, length(bytes), bytes, clock_timestamp() AT TIME ZONE 'Europe/London')
    ON CONFLICT (sha256) DO UPDATE SET created_at = EXCLUDED.created_at;
END $$;

-- A new document (or e-mail in the outbox) may hold only bytes that a live document holds,
-- that were stored (or touched) in this very transaction, or that a document (or an e-mail)
-- of its own case in the trash holds,
-- for someone who may restore that item (a restore): never a trashed document's of another
-- case, nor one a colleague deleted, whose bytes nobody else may read.
CREATE OR REPLACE FUNCTION caseload_file_ok(sha text, for_case integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM public.document d WHERE d.sha256 = sha)
        OR EXISTS (SELECT 1 FROM public.stored_file f WHERE f.sha256 = sha AND age(f.xmin) = 0)
        OR EXISTS (SELECT 1 FROM public.trash_item t
                    WHERE t.case_id = for_case AND public.caseload_may_restore(t.id)
                      AND (t.payload LIKE '%"sha256": "' || sha || '"%'
                           OR t.payload LIKE '%"eml_sha256": "' || sha || '"%'))
$$;

-- The bytes of a document in the trash, for its restore (the text to search it by is read
-- from them again: the trash does not keep it). Only for someone who may restore the item
-- holding them, as above.
CREATE OR REPLACE FUNCTION caseload_trashed_file(item integer, sha text) RETURNS bytea
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT f.data FROM public.stored_file f
     WHERE f.sha256 = sha AND public.caseload_writer() AND public.caseload_may_restore(item)
       AND EXISTS (SELECT 1 FROM public.trash_item t
                    WHERE t.id = item AND t.payload LIKE '%"sha256": "' || sha || '"%')
$$;

-- A file's bytes are removed only here, by an administrator emptying the trash, and only
-- when no document, no e-mail in the outbox and no other item in the trash holds them (the
-- person cannot see such bytes to delete them: they are held by no document).
CREATE OR REPLACE FUNCTION caseload_forget_file(sha text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT (public.caseload_has('administrator') OR (NOT public.caseload_active() AND
            pg_has_role(session_user, (SELECT datdba FROM pg_database
                                        WHERE datname = current_database()), 'MEMBER'))) THEN
        RAISE EXCEPTION 'only an administrator removes stored files' USING ERRCODE = '42501';
    END IF;
    DELETE FROM public.stored_file f
     WHERE f.sha256 = sha
       AND NOT EXISTS (SELECT 1 FROM public.document d WHERE d.sha256 = sha)
       AND NOT EXISTS (SELECT 1 FROM public.outbox o WHERE o.eml_sha256 = sha)
       AND NOT EXISTS (SELECT 1 FROM public.trash_item t
                        WHERE t.payload LIKE '%' || sha || '%');
END $$;

CREATE OR REPLACE FUNCTION caseload_my_caseworker() RETURNS integer
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT caseworker_id FROM app_user WHERE login = session_user AND active
$$;

-- Which case, child and family rows each transaction created: a new request's rows are
-- saved together with its first event before anyone is allocated. Written only by a
-- trigger; no client can read or write it.
CREATE TABLE IF NOT EXISTS caseload_created (
    table_name text NOT NULL,
    row_id integer NOT NULL,
    xact xid8 NOT NULL,
    PRIMARY KEY (table_name, row_id)
);
REVOKE ALL ON caseload_created FROM PUBLIC;

CREATE OR REPLACE FUNCTION caseload_note_created() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    INSERT INTO caseload_created VALUES (TG_TABLE_NAME, NEW.id, pg_current_xact_id())
    ON CONFLICT (table_name, row_id) DO UPDATE SET xact = excluded.xact;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION caseload_new_here(tbl text, wanted integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM caseload_created
                    WHERE table_name = tbl AND row_id = wanted AND xact = pg_current_xact_id())
$$;

CREATE OR REPLACE FUNCTION caseload_may_edit_case(wanted integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT caseload_has('team_lead') OR (
        caseload_has('caseworker') AND EXISTS (
            SELECT 1 FROM ehcp_case c WHERE c.id = wanted
               AND (c.caseworker_id = caseload_my_caseworker()
                    OR caseload_new_here('ehcp_case', c.id))))
$$;

CREATE OR REPLACE FUNCTION caseload_may_edit_child(wanted integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT caseload_has('team_lead') OR (
        caseload_has('caseworker') AND (
            caseload_new_here('child', wanted)
            -- not (or no longer) on any case: a case deleted to the trash takes them along
            OR NOT EXISTS (SELECT 1 FROM ehcp_case c WHERE c.child_id = wanted)
            OR EXISTS (SELECT 1 FROM ehcp_case c WHERE c.child_id = wanted
                         AND c.caseworker_id = caseload_my_caseworker())))
$$;

CREATE OR REPLACE FUNCTION caseload_may_edit_family(wanted integer) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT caseload_has('team_lead') OR (
        caseload_has('caseworker') AND (
            caseload_new_here('family', wanted)
            OR NOT EXISTS (SELECT 1 FROM ehcp_case c JOIN child ch ON ch.id = c.child_id
                            WHERE ch.family_id = wanted)
            OR EXISTS (SELECT 1 FROM ehcp_case c JOIN child ch ON ch.id = c.child_id
                        WHERE ch.family_id = wanted
                          AND c.caseworker_id = caseload_my_caseworker())))
$$;

-- The comment caseload puts on each login it creates for this database.
CREATE OR REPLACE FUNCTION caseload_mark() RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT '__MARK__ for database ' || current_database()
$$;

-- Whether the role owns anything or has been granted anything directly, anywhere on the
-- server (a database, a table in another database…), or may hand on caseload's groups:
-- caseload's own logins hold nothing but membership of its groups. Temporary tables of
-- the login's own sessions here do not count.
CREATE OR REPLACE FUNCTION caseload_holds_elsewhere(who oid) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_auth_members WHERE member = who AND admin_option)
        OR EXISTS (
            SELECT 1 FROM pg_shdepend d
             WHERE d.refclassid = 'pg_authid'::regclass AND d.refobjid = who
               AND NOT (d.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND d.classid = 'pg_class'::regclass
                        AND EXISTS (SELECT 1 FROM pg_class c
                                      JOIN pg_namespace n ON n.oid = c.relnamespace
                                     WHERE c.oid = d.objid AND n.nspname LIKE 'pg\_temp\_%')))
$$;

-- Every role `who` is a member of, directly or through other roles, that is not one of
-- caseload's own groups: a login with any such membership is never managed by caseload.
CREATE OR REPLACE FUNCTION caseload_foreign_memberships(who oid) RETURNS text[]
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    WITH RECURSIVE up(r) AS (
        SELECT roleid FROM pg_auth_members WHERE member = who
        UNION
        SELECT m.roleid FROM pg_auth_members m JOIN up ON m.member = up.r)
    SELECT coalesce(array_agg(g.rolname::text ORDER BY g.rolname), '{}')
      FROM up JOIN pg_roles g ON g.oid = up.r
     WHERE g.rolname <> ALL (ARRAY['caseload_user', 'caseload_caseworker',
                                   'caseload_team_lead', 'caseload_administrator',
                                   'caseload_read_only'])
$$;

-- Logins are created and changed only here, by a caseload administrator (or the database
-- owner setting up the first one): people never get CREATEROLE, which on PostgreSQL 15
-- would let them grant themselves built-in roles such as pg_execute_server_program.
-- Only logins this function created are ever changed: an existing role (IT's, another
-- database's owner, a role holding server privileges) is refused whatever it is called.
CREATE OR REPLACE FUNCTION caseload_manage_login(who text, verb text, secret text, grps text[])
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    found_role pg_roles%ROWTYPE;
    existed boolean;
    foreign_groups text[];
    g text;
BEGIN
    IF NOT (public.caseload_has('administrator') OR pg_has_role(session_user,
            (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER')) THEN
        RAISE EXCEPTION 'only a caseload administrator manages logins' USING ERRCODE = '42501';
    END IF;
    IF who !~ '^[a-z][a-z0-9._-]{1,62}$' OR who LIKE 'pg\_%' OR who LIKE 'caseload\_%' THEN
        RAISE EXCEPTION 'caseload does not manage the login %', who USING ERRCODE = '42501';
    END IF;
    SELECT * INTO found_role FROM pg_roles WHERE rolname = who;
    existed := FOUND;
    -- Roles belong to the whole server: caseload marks its own with a comment (on the role
    -- itself, so a role dropped and made again under the same name is not caseload's).
    IF existed AND shobj_description(found_role.oid, 'pg_authid') IS DISTINCT FROM
                   caseload_mark() THEN
        RAISE EXCEPTION '% already exists on the server and caseload did not create it: '
            'caseload manages only its own logins. Choose another login name, or ask IT', who
            USING ERRCODE = '42501';
    END IF;
    IF NOT existed AND verb <> 'create' THEN
        RAISE EXCEPTION 'there is no login %', who USING ERRCODE = '42704';
    END IF;
    IF existed AND (found_role.rolsuper OR found_role.rolcreaterole OR found_role.rolreplication
                    OR found_role.rolbypassrls OR found_role.rolcreatedb
                    OR EXISTS (SELECT 1 FROM pg_database WHERE datdba = found_role.oid)) THEN
        RAISE EXCEPTION '% is a privileged PostgreSQL role: caseload will not manage it', who
            USING ERRCODE = '42501';
    END IF;
    IF existed AND caseload_holds_elsewhere(found_role.oid) THEN
        RAISE EXCEPTION '% has been given objects or privileges elsewhere on the server (in '
            'another database, say): caseload will not manage it. Ask IT', who
            USING ERRCODE = '42501';
    END IF;
    IF existed THEN
        foreign_groups := caseload_foreign_memberships(found_role.oid);
        IF cardinality(foreign_groups) > 0 THEN
            RAISE EXCEPTION '% has been given other server roles (%): caseload will not manage '
                'it. Ask IT to remove them', who, array_to_string(foreign_groups, ', ')
                USING ERRCODE = '42501';
        END IF;
    END IF;
    IF NOT existed THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE '
                       'NOREPLICATION NOBYPASSRLS', who);
        EXECUTE format('COMMENT ON ROLE %I IS %L', who, caseload_mark());
        PERFORM caseload_limit_login(who);
    ELSIF verb IN ('create', 'enable') THEN
        EXECUTE format('ALTER ROLE %I LOGIN', who);
    ELSIF verb = 'disable' THEN
        EXECUTE format('ALTER ROLE %I NOLOGIN', who);
    END IF;
    IF secret IS NOT NULL THEN
        IF secret !~ '^SCRAM-SHA-256\$' THEN
            RAISE EXCEPTION 'a password must arrive hashed (SCRAM-SHA-256)';
        END IF;
        EXECUTE format('ALTER ROLE %I PASSWORD %L', who, secret);
    END IF;
    IF grps IS NOT NULL THEN
        FOREACH g IN ARRAY ARRAY['caseload_user', 'caseload_caseworker', 'caseload_team_lead',
                                 'caseload_administrator', 'caseload_read_only'] LOOP
            IF g = 'caseload_user' OR g = ANY (grps) THEN
                EXECUTE format('GRANT %I TO %I', g, who);
            ELSE
                EXECUTE format('REVOKE %I FROM %I', g, who);
            END IF;
        END LOOP;
    END IF;
END $$;

-- A person's session may not hold the team up: a lock waited for too long, a statement that
-- runs away or a transaction left open (e.g. LOCK TABLE then nothing) is ended by the server.
CREATE OR REPLACE FUNCTION caseload_limit_login(who text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', who, '__LOCK_TIMEOUT__');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', who, '__STATEMENT_TIMEOUT__');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', who,
                   '__IDLE_TIMEOUT__');
END $$;

-- Who and when on an audit entry are the database's, not the client's.
CREATE OR REPLACE FUNCTION caseload_stamp_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM app_user WHERE login = session_user) THEN
        NEW.who := session_user;
        -- The wall clock in the council's time zone: not the client's TimeZone setting nor
        -- the start of a transaction it kept open.
        NEW.at := clock_timestamp() AT TIME ZONE 'Europe/London';
    END IF;
    RETURN NEW;
END $$;

-- Who saved a row, and who logged a communication, are the database's: the signed-in
-- person, whatever the client sent (a contact cannot be logged in a colleague's name).
-- The one exception: the trash putting back a deleted contact as its author logged it,
-- which the server's own audit trail shows (a deletion keeps the deleted row; only the
-- per-row trigger writes 'db delete' entries).
CREATE OR REPLACE FUNCTION caseload_stamp_person() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM app_user WHERE login = session_user) THEN
        NEW.updated_by := session_user;
        IF TG_TABLE_NAME <> 'communication' THEN
            RETURN NEW;  -- (NEW.logged_by exists only there)
        END IF;
        IF TG_OP = 'UPDATE' THEN
            NEW.logged_by := OLD.logged_by;
        ELSIF NEW.logged_by IS DISTINCT FROM session_user AND NOT EXISTS (
                SELECT 1 FROM audit_entry a
                 WHERE a.action = 'db delete' AND a.record_type = 'communication'
                   AND caseload_json(a.detail) @> jsonb_build_object(
                           'logged_by', NEW.logged_by, 'occurred_at', NEW.occurred_at,
                           'channel', NEW.channel, 'summary', NEW.summary)) THEN
            NEW.logged_by := session_user;
        END IF;
    END IF;
    RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION caseload_json(detail text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN detail::jsonb;
EXCEPTION WHEN others THEN
    RETURN NULL;  -- not JSON (an entry the app wrote in words): no match
END $$;

-- Every change a signed-in person makes to a data table, whatever client made it.
CREATE OR REPLACE FUNCTION caseload_audit_row() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    -- A document's text (up to megabytes) is searchable in the document, not copied here.
    old_row jsonb := CASE WHEN TG_OP = 'INSERT' THEN '{}'::jsonb
                          ELSE to_jsonb(OLD) - 'body_text' END;
    new_row jsonb := CASE WHEN TG_OP = 'DELETE' THEN '{}'::jsonb
                          ELSE to_jsonb(NEW) - 'body_text' END;
    changed jsonb;
    the_row jsonb := CASE WHEN TG_OP = 'DELETE' THEN old_row ELSE new_row END;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM app_user WHERE login = session_user) THEN
        RETURN NULL;  -- the owner's maintenance (upgrades, a move from a laptop file)
    END IF;
    SELECT coalesce(jsonb_object_agg(key, jsonb_build_array(old_row -> key, value)), '{}')
      INTO changed
      FROM jsonb_each(new_row)
     WHERE TG_OP = 'UPDATE' AND old_row -> key IS DISTINCT FROM value;
    -- The bookkeeping columns are left out only when something else changed: an update of
    -- nothing but who saved it is itself worth seeing.
    IF (changed - 'version' - 'updated_at' - 'updated_by') <> '{}'::jsonb THEN
        changed := changed - 'version' - 'updated_at' - 'updated_by';
    END IF;
    INSERT INTO audit_entry (at, who, action, record_type, record_id, case_id, detail)
    VALUES (
        clock_timestamp() AT TIME ZONE 'Europe/London', session_user, 'db ' || lower(TG_OP),
        TG_TABLE_NAME,
        (the_row ->> 'id')::integer,
        CASE WHEN TG_TABLE_NAME = 'ehcp_case' THEN (the_row ->> 'id')::integer
             ELSE (the_row ->> 'case_id')::integer END,
        CASE TG_OP WHEN 'UPDATE' THEN changed::text
                   WHEN 'DELETE' THEN old_row::text ELSE '' END);
    RETURN NULL;
END $$;
"""


# What the trash holds is trusted by the rules on documents' bytes and plan audits, and a
# restore puts it back: so the server checks that an item holds only what its maker deleted
# with it, as it was, and that an item restored comes back whole. (The app makes an item
# before it deletes the rows, so these checks run at commit.)
TRASH_RULES = r"""
-- Whether a row as the trash keeps it (`kept`, written by the app) is `other` (the row as
-- the database has it or had it): every column there, every value the same, a time the
-- same however written. Who saved it last is the database's to stamp, and the trash does
-- not keep a document's text.
CREATE OR REPLACE FUNCTION caseload_same_row(kept jsonb, other jsonb) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    k text;
    v jsonb;
    w jsonb;
BEGIN
    IF jsonb_typeof(kept) IS DISTINCT FROM 'object'
       OR jsonb_typeof(other) IS DISTINCT FROM 'object' THEN
        RETURN false;
    END IF;
    IF EXISTS (SELECT 1 FROM jsonb_object_keys(other) o
                WHERE o NOT IN ('updated_by', 'body_text') AND NOT kept ? o) THEN
        RETURN false;  -- a column left out would come back as whatever the restore says
    END IF;
    FOR k, v IN SELECT key, value FROM jsonb_each(kept) LOOP
        CONTINUE WHEN k IN ('updated_by', 'body_text');
        w := other -> k;
        CONTINUE WHEN w = v;
        IF w IS NULL OR jsonb_typeof(v) <> 'string' OR jsonb_typeof(w) <> 'string' THEN
            RETURN false;
        END IF;
        IF (v #>> '{}') !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d'
           OR (w #>> '{}') !~ '^\d{4}-\d\d-\d\dT\d\d:\d\d' THEN
            RETURN false;
        END IF;
        IF (v #>> '{}')::timestamp IS DISTINCT FROM (w #>> '{}')::timestamp THEN
            RETURN false;
        END IF;
    END LOOP;
    RETURN true;
END $$;

-- At commit: an item put into the trash by a person names a record it holds, and holds only
-- rows that person deleted in this transaction, each as it was (the database's own
-- 'db delete' entries, which no client can write, say what was deleted).
CREATE OR REPLACE FUNCTION caseload_trash_kept() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    kept jsonb := public.caseload_json(NEW.payload);
    deleted jsonb;
    tbl text;
    r jsonb;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.app_user WHERE login = session_user) THEN
        RETURN NULL;  -- the owner's maintenance (a move from a laptop file)
    END IF;
    IF jsonb_typeof(kept -> NEW.record_type) IS DISTINCT FROM 'array'
       OR NOT (kept -> NEW.record_type) @> jsonb_build_array(
                  jsonb_build_object('id', NEW.record_id)) THEN
        RAISE EXCEPTION 'An item in the trash holds the record it names.'
            USING ERRCODE = '42501';
    END IF;
    -- This transaction's deletions, found by their time (indexed; two hours' margin for the
    -- clocks going back in October) and then by the transaction that wrote them.
    SELECT coalesce(jsonb_object_agg(a.record_type || ' ' || a.record_id,
                                     public.caseload_json(a.detail)), '{}')
      INTO deleted
      FROM public.audit_entry a
     WHERE a.at >= (transaction_timestamp() AT TIME ZONE 'Europe/London') - interval '2 hours'
       AND age(a.xmin) = 0 AND a.action = 'db delete' AND a.who = session_user;
    FOR tbl, r IN SELECT e.key, x.value FROM jsonb_each(kept) e
                   CROSS JOIN LATERAL jsonb_array_elements(e.value) x LOOP
        IF NOT coalesce(public.caseload_same_row(r, deleted -> (tbl || ' ' || (r ->> 'id'))),
                        false) THEN
            RAISE EXCEPTION 'An item in the trash holds only what was deleted with it, as it '
                'was (not this %).', tbl USING ERRCODE = '42501';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- At commit: an item restored by a person has every record it held back (a restore is
-- whole; a record given a new id on its way back leaves its old id taken).
CREATE OR REPLACE FUNCTION caseload_trash_restored() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    tbl text;
    r jsonb;
    back boolean;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.app_user WHERE login = session_user) THEN
        RETURN NULL;
    END IF;
    FOR tbl, r IN SELECT e.key, x.value FROM jsonb_each(public.caseload_json(OLD.payload)) e
                   CROSS JOIN LATERAL jsonb_array_elements(e.value) x LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM public.%I WHERE id = $1)', tbl)
           INTO back USING (r ->> 'id')::integer;
        IF NOT coalesce(back, false) THEN
            RAISE EXCEPTION 'An item in the trash is restored whole: this % is not back.', tbl
                USING ERRCODE = '42501';
        END IF;
    END LOOP;
    RETURN NULL;
END $$;

-- At commit: a case in the trash comes back only by restoring its item (so whole, its plan
-- audits with it), not by writing its row again beside the item.
CREATE OR REPLACE FUNCTION caseload_case_returned() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.app_user WHERE login = session_user) THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM public.ehcp_case c WHERE c.id = NEW.id)
       AND EXISTS (SELECT 1 FROM public.trash_item t
                    WHERE t.case_id = NEW.id AND t.record_type = 'ehcp_case'
                      AND t.record_id = NEW.id AND t.restored_at IS NULL) THEN
        RAISE EXCEPTION 'A case in the trash comes back only by restoring it, whole.'
            USING ERRCODE = '42501';
    END IF;
    RETURN NULL;
END $$;

-- At commit: a plan audit deleted by anyone but a team lead went with its case, into the
-- trash (an item holding it).
CREATE OR REPLACE FUNCTION caseload_plan_audit_left() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM public.app_user WHERE login = session_user)
       OR public.caseload_has('team_lead') THEN
        RETURN NULL;
    END IF;
    IF EXISTS (SELECT 1 FROM public.ehcp_case c WHERE c.id = OLD.case_id)
       OR NOT EXISTS (
            SELECT 1 FROM public.trash_item t
             WHERE t.case_id = OLD.case_id AND t.record_type = 'ehcp_case'
               AND t.record_id = OLD.case_id AND t.restored_at IS NULL
               AND public.caseload_json(t.payload) -> 'plan_audit'
                   @> jsonb_build_array(jsonb_build_object('id', OLD.id))) THEN
        RAISE EXCEPTION 'A plan audit leaves only with its case, into the trash (a team lead '
            'withdraws one under way).' USING ERRCODE = '42501';
    END IF;
    RETURN NULL;
END $$;

-- A row of `tbl` (as to_jsonb gives it) coming back from the trash: an item of its case that
-- the person may restore holds it exactly.
CREATE OR REPLACE FUNCTION caseload_in_trash(tbl text, wanted jsonb) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM public.trash_item t
         CROSS JOIN LATERAL jsonb_array_elements(
             coalesce(public.caseload_json(t.payload) -> tbl, '[]'::jsonb)) r
         WHERE t.case_id = (wanted ->> 'case_id')::integer
           AND public.caseload_may_restore(t.id)
           AND public.caseload_same_row(r.value, wanted))
$$;
"""

# Checked at commit (the rows an item holds are deleted after it is made), and only for
# people signed in: the owner's maintenance (a move from a laptop file, which switches the
# row audit off and on again) leaves no checks pending.
TRASH_TRIGGERS = {
    "caseload_trash_kept": ("AFTER INSERT", "trash_item", "caseload_trash_kept()", ""),
    "caseload_trash_restored": (
        "AFTER UPDATE",
        "trash_item",
        "caseload_trash_restored()",
        " AND OLD.restored_at IS NULL AND NEW.restored_at IS NOT NULL",
    ),
    "caseload_case_returned": ("AFTER INSERT", "ehcp_case", "caseload_case_returned()", ""),
    "caseload_plan_audit_left": (
        "AFTER DELETE",
        "plan_audit",
        "caseload_plan_audit_left()",
        "",
    ),
}


def _trash_triggers() -> list[str]:
    out = []
    for name, (event, table, function, when) in TRASH_TRIGGERS.items():
        out += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE CONSTRAINT TRIGGER {name} {event} ON {table} DEFERRABLE INITIALLY "
            f"DEFERRED FOR EACH ROW WHEN (caseload_active(){when}) "
            f"EXECUTE FUNCTION {function}",
        ]
    return out


def _sql_array(words) -> str:
    return "ARRAY[" + ", ".join(f"'{w}'" for w in sorted(words)) + "]"


def _audit_function() -> str:
    """The only way a person writes an audit entry: the app's own kinds of entry, the
    reading kinds for anyone signed in, the changing kinds only for those who may change
    something. Who and when are stamped on the entry (caseload_stamp_audit), so `who_` and
    `at_` count only for the owner's maintenance (a move from a laptop file, admin init)."""
    return f"""
CREATE OR REPLACE FUNCTION caseload_audit(action_ text, record_type_ text, record_id_ integer,
                                          case_id_ integer, detail_ text, who_ text,
                                          at_ timestamp)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    new_id integer;
BEGIN
    IF action_ IS NULL OR action_ <> ALL ({_sql_array(AUDIT_ACTIONS)}) THEN
        RAISE EXCEPTION 'caseload does not write audit entries of the kind %', action_
            USING ERRCODE = '22023';
    END IF;
    IF public.caseload_active() THEN
        IF action_ <> ALL ({_sql_array(READING)}) AND NOT (public.caseload_writer()
                OR public.caseload_has('administrator')) THEN
            RAISE EXCEPTION 'read-only people record only what they looked at'
                USING ERRCODE = '42501';
        END IF;
    ELSIF NOT pg_has_role(session_user,
            (SELECT datdba FROM pg_database WHERE datname = current_database()), 'MEMBER') THEN
        RAISE EXCEPTION 'only caseload people write the audit trail' USING ERRCODE = '42501';
    END IF;
    INSERT INTO public.audit_entry (at, who, action, record_type, record_id, case_id, detail)
    VALUES (at_, who_, action_, record_type_, record_id_, case_id_, detail_)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;
"""


# A client can switch its own session limits off (they are only defaults), and LOCK TABLE
# needs no more than the UPDATE or DELETE privilege that saving needs. So when a save is
# kept waiting for a lock, the app asks the server to end any caseload session holding a
# lock the app itself never takes (a whole table, SHARE or stronger), or idle in a
# transaction past the limit every login has (__IDLE_TIMEOUT__ above).
IDLE_LIMIT_SECONDS = 60
STRONG_LOCKS = ("ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")


def _end_blockers_function() -> str:
    strong = ", ".join(f"'{m}'" for m in STRONG_LOCKS)
    return f"""
-- Ends the sessions of this database's caseload logins that hold a whole table locked or
-- have sat idle in a transaction past the limit, and records each in the audit trail. The
-- owner needs pg_signal_backend and pg_read_all_stats (to see others' idle sessions)
-- unless a superuser. Returns how many sessions were ended.
CREATE OR REPLACE FUNCTION caseload_end_blockers() RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    b record;
    n integer := 0;
BEGIN
    IF NOT public.caseload_active() THEN
        RETURN 0;
    END IF;
    FOR b IN
        SELECT a.pid, a.usename,
               (SELECT string_agg(DISTINCT l.relation::regclass::text || ' ' || l.mode, ', ')
                  FROM pg_locks l
                 WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.granted
                   AND l.mode IN ({strong})) AS locks,
               CASE WHEN a.state LIKE 'idle in transaction%'
                    THEN extract(epoch FROM clock_timestamp() - a.state_change)::integer
               END AS idle_for
          FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid
         WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
           AND shobj_description(r.oid, 'pg_authid') = public.caseload_mark()
    LOOP
        CONTINUE WHEN b.locks IS NULL AND coalesce(b.idle_for, 0) < {IDLE_LIMIT_SECONDS};
        BEGIN
            IF pg_terminate_backend(b.pid) THEN
                n := n + 1;
                INSERT INTO public.audit_entry (at, who, action, record_type, detail)
                VALUES (clock_timestamp() AT TIME ZONE 'Europe/London', session_user,
                        'db end session', 'session',
                        format('ended the session of %s: %s', b.usename,
                               coalesce('it held ' || b.locks,
                                        'idle in a transaction for ' || b.idle_for || ' s')));
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            NULL;  -- the owner may not end sessions: the login's own limits still apply
        END;
    END LOOP;
    RETURN n;
END $$;
"""


def may_end_sessions(conn: Connection) -> bool:
    """Whether the owner (running this) can end and see others' sessions, as
    caseload_end_blockers needs."""
    return bool(
        conn.execute(
            text(
                "SELECT rolsuper OR (pg_has_role(current_user, 'pg_signal_backend', 'MEMBER')"
                " AND pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER'))"
                " FROM pg_roles WHERE rolname = current_user"
            )
        ).scalar()
    )


def _policies() -> dict[str, list[str]]:
    """Per table, its policies as (command, USING/WITH CHECK clause) SQL fragments."""
    writer = "caseload_writer()"
    lead = "caseload_has('team_lead')"
    admin = "caseload_has('administrator')"
    mine = "caseload_may_edit_case(case_id)"
    tables: dict[str, list[str]] = {}
    for name in CASE_TABLES:
        tables[name] = _all_writes(mine)
    # A plan's audit is started, scored and decided by a team lead; it goes to the trash
    # (and comes back) with its case like every other part of it: a caseworker writes one
    # only as a restore puts it back exactly as the trash holds it, and deletes one only as
    # its case goes into the trash (checked at commit: caseload_plan_audit_left).
    tables["plan_audit"] = [
        f"FOR INSERT WITH CHECK ({lead} OR ({mine} AND "
        "caseload_in_trash('plan_audit', to_jsonb(plan_audit.*))))",
        f"FOR UPDATE USING ({lead}) WITH CHECK ({lead})",
        f"FOR DELETE USING ({lead} OR {mine})",
    ]
    # A file's bytes: added only through caseload_store_file, never changed, removed only
    # with a purge; seen only through a document or an e-mail in the outbox that holds them
    # (not a trashed one's).
    tables["stored_file"] = [f"FOR DELETE USING ({admin})"]  # added by caseload_store_file
    tables["document"] = [
        f"FOR INSERT WITH CHECK ({mine} AND caseload_file_ok(sha256, case_id))",
        *_changes(mine),
    ]
    tables["ehcp_case"] = [
        f"FOR INSERT WITH CHECK ({lead} OR (caseload_has('caseworker') AND (caseworker_id IS "
        "NULL OR caseworker_id = caseload_my_caseworker()) "
        "AND caseload_may_edit_child(child_id)))",
        # USING: which rows; WITH CHECK: what they may become (a caseworker cannot give
        # their case away: that is a reassignment, for a lead).
        "FOR UPDATE USING (caseload_may_edit_case(id)) WITH CHECK ("
        f"{lead} OR ((caseworker_id = caseload_my_caseworker() "
        "OR (caseworker_id IS NULL AND caseload_new_here('ehcp_case', id))) "
        "AND caseload_may_edit_child(child_id)))",
        "FOR DELETE USING (caseload_may_edit_case(id))",
    ]
    tables["child"] = [
        f"FOR INSERT WITH CHECK ({writer})",
        "FOR UPDATE USING (caseload_may_edit_child(id)) WITH CHECK "
        f"({lead} OR (caseload_may_edit_child(id) AND caseload_may_edit_family(family_id)))",
        "FOR DELETE USING (caseload_may_edit_child(id))",
    ]
    tables["family"] = [f"FOR INSERT WITH CHECK ({writer})"] + _changes(
        "caseload_may_edit_family(id)"
    )
    tables["contact"] = _all_writes("caseload_may_edit_family(family_id)")
    tables["placement"] = _all_writes("caseload_may_edit_child(child_id)")
    for name in sorted(REFERENCE_TABLES):
        tables[name] = _all_writes(f"{lead} OR {admin}")
    # An e-mail to a family: queued on a case this person may change, holding only bytes they
    # may hold (as a document's); then resent or marked by whoever queued it or may change
    # the case (migration 0023 keeps its message, recipient and case as queued).
    tables["outbox"] = [
        f"FOR INSERT WITH CHECK ({mine} AND caseload_file_ok(eml_sha256, case_id))",
        *_changes(f"queued_by = session_user OR {mine}"),
    ]
    tables["communication"] = [f"FOR INSERT WITH CHECK ({writer})"] + _changes(
        f"{lead} OR logged_by = session_user OR caseload_may_edit_case(case_id)"
    )
    tables["assignment"] = [
        f"FOR INSERT WITH CHECK ({lead} OR (caseload_has('caseworker') AND from_id IS NULL "
        "AND to_id = caseload_my_caseworker() AND caseload_may_edit_case(case_id)))",
        f"FOR DELETE USING ({mine})",
    ]
    for name in ("caseworker", "absence"):
        tables[name] = _all_writes(lead)
    tables["app_user"] = _all_writes(admin)
    # The leads' own settings: the workload weights, the plan audit's checklist, and what the
    # SEN2 return keeps for next time (its serial number and the designated officers' items).
    leads = (
        "key IN ('workload_weights', 'plan_qa_checklist', 'sen2_serial', 'sen2_dmo', "
        "'sen2_dco', 'sen2_dsco')"
    )
    tables["app_setting"] = _all_writes(f"({admin} AND NOT {leads}) OR ({lead} AND {leads})")
    tables["submission"] = [f"FOR INSERT WITH CHECK ({writer} OR {admin})"]
    tables["trash_item"] = [
        f"FOR INSERT WITH CHECK ({writer} AND deleted_by = session_user)",
        # Restoring marks the item and empties it (nothing else changes what an item holds);
        # only an administrator removes one for good.
        f"FOR UPDATE USING (restored_at IS NULL AND ({lead} OR deleted_by = session_user)) "
        "WITH CHECK (restored_by = session_user AND restored_at IS NOT NULL "
        "AND payload = '{}')",
        f"FOR DELETE USING ({admin})",
    ]
    return tables


def _all_writes(rule: str) -> list[str]:
    return [f"FOR INSERT WITH CHECK ({rule})"] + _changes(rule)


# The helpers that depend only on who is signed in, never on the row: in a policy each is
# wrapped in a sub-select, which PostgreSQL evaluates once per statement (an InitPlan) rather
# than once per row. Called bare, a SECURITY DEFINER function costs about 24 µs a row and
# hides the row count from the planner: the case list at 50,000 children took 4.9 s, not 0.4.
_PER_PERSON = re.compile(
    r"(?<!SELECT )(?<![\w.])"
    r"(caseload_(?:active|writer|my_caseworker)\(\)|caseload_has\('[a-z_]+'\))"
)


def once_per_statement(clause: str) -> str:
    """A policy's clause with each helper about the person, not the row, evaluated once."""
    return _PER_PERSON.sub(r"(SELECT \1)", clause)


def _changes(rule: str) -> list[str]:
    return [f"FOR UPDATE USING ({rule}) WITH CHECK ({rule})", f"FOR DELETE USING ({rule})"]


def _reading(table: str) -> str:
    if table == "audit_entry":
        # A case's history and your own entries for everyone (an INSERT … RETURNING must
        # see the row it wrote); the whole trail for administrators.
        return (
            "caseload_has('administrator') OR (caseload_active() AND "
            "(case_id IS NOT NULL OR who = session_user))"
        )
    if table == "stored_file":
        return (
            "caseload_active() AND (EXISTS "
            "(SELECT 1 FROM document d WHERE d.sha256 = stored_file.sha256) OR EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.eml_sha256 = stored_file.sha256))"
        )
    return "caseload_active()"


def statements(database: str) -> list[str]:
    """Everything `apply` runs, in order."""
    out = [_create_group(GROUP)]
    for group in ROLE_GROUPS:
        out += [_create_group(group), f"GRANT {GROUP} TO {group}"]
    out += [
        # No one else may create objects that the owner's functions could pick up by name.
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
        f'REVOKE ALL ON DATABASE "{database}" FROM PUBLIC',
        f'GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO {GROUP}',
        f"GRANT USAGE ON SCHEMA public TO {GROUP}",
        _functions(),
        TRASH_RULES,
        _audit_function(),
        _end_blockers_function(),
        *_function_grants(),
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {GROUP}",
        f"GRANT SELECT ON alembic_version TO {GROUP}",
    ]
    policies = _policies()
    for table in sorted(Base.metadata.tables):
        out += [f"REVOKE ALL ON {table} FROM {g}" for g in [GROUP, *ROLE_GROUPS]]
        out += _grants(table)
        out.append(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        out += _drop_policies(table)
        reading = once_per_statement(_reading(table))
        out.append(f"CREATE POLICY caseload_read ON {table} FOR SELECT USING ({reading})")
        for n, rule in enumerate(policies.get(table, [])):
            out.append(f"CREATE POLICY caseload_write_{n} ON {table} {once_per_statement(rule)}")
        if table not in NOT_AUDITED_BY_TRIGGER:
            out += [
                f"DROP TRIGGER IF EXISTS caseload_audit ON {table}",
                f"CREATE TRIGGER caseload_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION caseload_audit_row()",
            ]
    for table in ("ehcp_case", "child", "family"):
        out += [
            f"DROP TRIGGER IF EXISTS caseload_created ON {table}",
            f"CREATE TRIGGER caseload_created AFTER INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION caseload_note_created()",
        ]
    for table in sorted(t.name for t in Base.metadata.tables.values() if "updated_by" in t.c):
        out += [
            f"DROP TRIGGER IF EXISTS caseload_stamp_person ON {table}",
            f"CREATE TRIGGER caseload_stamp_person BEFORE INSERT OR UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION caseload_stamp_person()",
        ]
    out += _trash_triggers()
    out += [
        "DROP TRIGGER IF EXISTS caseload_stamp ON audit_entry",
        "CREATE TRIGGER caseload_stamp BEFORE INSERT ON audit_entry "
        "FOR EACH ROW EXECUTE FUNCTION caseload_stamp_audit()",
        _filled(ADOPT_AND_LIMIT),
    ]
    return out


def _functions() -> str:
    return _filled(FUNCTIONS)


def _filled(sql: str) -> str:
    for placeholder, value in {**LOGIN_LIMITS, "__MARK__": MARK}.items():
        sql = sql.replace(placeholder, value)
    return sql


def _function_grants() -> list[str]:
    """The policies call the helpers as the person: only caseload people may; the login
    manager is for administrators (it checks again inside)."""
    helpers = [
        "caseload_roles()",
        "caseload_has(text)",
        "caseload_active()",
        "caseload_writer()",
        "caseload_my_caseworker()",
        "caseload_new_here(text, integer)",
        "caseload_may_edit_case(integer)",
        "caseload_may_edit_child(integer)",
        "caseload_may_edit_family(integer)",
        "caseload_end_blockers()",
        "caseload_store_file(text, bytea)",
        "caseload_forget_file(text)",
        "caseload_file_ok(text, integer)",
        "caseload_trashed_file(integer, text)",
        "caseload_in_trash(text, jsonb)",
        AUDIT_FUNCTION,
    ]
    out = []
    for fn in helpers:
        out += [
            f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {fn} TO {GROUP}",
        ]
    manager = "caseload_manage_login(text, text, text, text[])"
    out += [
        f"REVOKE ALL ON FUNCTION {manager} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {manager} TO {group_of(Role.ADMIN)}",
    ]
    for fn in (
        "caseload_note_created()",
        "caseload_stamp_audit()",
        "caseload_audit_row()",
        "caseload_stamp_person()",
        "caseload_json(text)",
        "caseload_limit_login(text)",
        "caseload_foreign_memberships(oid)",
        "caseload_holds_elsewhere(oid)",
        "caseload_mark()",
        "caseload_may_restore(integer)",
        "caseload_same_row(jsonb, jsonb)",
        *(function for _event, _table, function, _when in TRASH_TRIGGERS.values()),
    ):
        out.append(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
    return out


def _create_group(name: str) -> str:
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') "
        f"THEN CREATE ROLE {name} NOLOGIN; END IF; END $$"
    )


def _grants(table: str) -> list[str]:
    """Table privileges by group role: the first wall (row-level security is the second).
    Read-only people get only what every person gets: read (and, through caseload_audit,
    record what they looked at)."""
    out = [f"GRANT SELECT ON {table} TO {GROUP}"]  # audit entries: caseload_audit() only
    writers = [group_of(Role.CASEWORKER), group_of(Role.LEAD)]
    if table in PERSON_TABLES:
        writers = [group_of(Role.ADMIN)] + ([group_of(Role.LEAD)] if table == "app_setting" else [])
    elif table in TEAM_TABLES:
        writers = [group_of(Role.LEAD)]
    elif table in REFERENCE_TABLES:
        writers = [group_of(Role.LEAD), group_of(Role.ADMIN)]
    elif table == "trash_item":  # only an administrator removes for good
        out.append(f"GRANT DELETE ON {table} TO {group_of(Role.ADMIN)}")
        out += [f"GRANT INSERT, UPDATE ON {table} TO {g}" for g in writers]
        return out
    elif table == "submission":  # form tokens: whoever saves a form
        writers = writers + [group_of(Role.ADMIN)]
        return out + [f"GRANT INSERT ON {table} TO {g}" for g in writers]
    elif table in ("audit_entry", "alembic_version", "plan_seal"):
        return out
    return out + [f"GRANT INSERT, UPDATE, DELETE ON {table} TO {g}" for g in writers]


def _drop_policies(table: str) -> list[str]:
    return [
        "DO $$ DECLARE p record; BEGIN FOR p IN SELECT policyname FROM pg_policies "
        f"WHERE schemaname = 'public' AND tablename = '{table}' LOOP "
        f"EXECUTE format('DROP POLICY %I ON {table}', p.policyname); END LOOP; END $$"
    ]


def apply(conn: Connection) -> None:
    """Create or bring up to date the group role, grants, policies and triggers (in the
    caller's transaction: all of it or none)."""
    database = conn.execute(text("SELECT current_database()")).scalar_one()
    raw = conn.connection.dbapi_connection  # psycopg itself: several statements, no params
    assert raw is not None  # an open connection has one
    for sql in statements(database):
        raw.execute(sql)
    forget_trashed_texts(conn)


def forget_trashed_texts(conn: Connection) -> None:
    """The trash no longer keeps a document's text (anyone signed in may read what an item
    holds, and a trashed document is not to be read): items made by earlier versions (or
    moved from a laptop file) lose it here, and a restore reads it again from the file."""
    found = conn.execute(
        text("SELECT id, payload FROM trash_item WHERE payload LIKE '%\"body_text\"%'")
    ).all()
    for item_id, payload in found:
        kept = json.loads(payload)
        for row in kept.get("document", []):
            row.pop("body_text", None)
        conn.execute(
            text("UPDATE trash_item SET payload = :payload WHERE id = :id"),
            {"payload": json.dumps(kept), "id": item_id},
        )


def write_audit(
    conn: Connection,
    *,
    at,
    who: str,
    action: str,
    record_type: str,
    record_id: int | None,
    case_id: int | None,
    detail: str | None,
) -> None:
    """An audit entry, through the server's checked function (people have no INSERT on the
    table)."""
    conn.execute(
        text(
            "SELECT caseload_audit(:action, :record_type, :record_id, :case_id, :detail, :who, :at)"
        ),
        dict(
            action=action,
            record_type=record_type,
            record_id=record_id,
            case_id=case_id,
            detail=detail,
            who=who,
            at=at,
        ),
    )


# --------------------------------------------------------------------------- logins
def _scram(conn: Connection, login: str, password: str) -> str:
    """The password as PostgreSQL stores it (SCRAM-SHA-256), computed here by libpq so the
    password itself never travels in a statement or reaches the server's logs."""
    pgconn = getattr(conn.connection.dbapi_connection, "pgconn")  # noqa: B009 (psycopg's own)
    return pgconn.encrypt_password(password.encode(), login.encode(), b"scram-sha-256").decode()


def create_login(conn: Connection, login: str, password: str | None, roles) -> None:
    """A new PostgreSQL login for one person, a member of their roles' group roles. A role
    that exists already is refused (LoginRefused) unless caseload made it."""
    _manage(conn, login, "create", password, roles)


def set_groups(conn: Connection, login: str, roles) -> None:
    """Make the login a member of exactly its roles' group roles (and caseload_user)."""
    _manage(conn, login, "groups", None, roles)


def set_password(conn: Connection, login: str, password: str) -> None:
    _manage(conn, login, "password", password, None)


def set_login_enabled(conn: Connection, login: str, enabled: bool) -> None:
    _manage(conn, login, "enable" if enabled else "disable", None, None)


class LoginRefused(DatabaseError):
    """The server's login manager refused: its own words (about a login, never a child)."""


def _manage(conn: Connection, login: str, verb: str, password: str | None, roles) -> None:
    groups = None if roles is None else [group_of(Role(r).value) for r in roles]
    secret = _scram(conn, login, password) if password else None
    try:
        conn.execute(
            text("SELECT caseload_manage_login(:who, :verb, :secret, :groups)"),
            {"who": login, "verb": verb, "secret": secret, "groups": groups},
        )
    except DBAPIError as exc:
        state = getattr(exc.orig, "sqlstate", None)
        if state not in ("42501", "42704"):
            raise
        message = getattr(getattr(exc.orig, "diag", None), "message_primary", None)
        message = message or "the server refused"
        raise LoginRefused(f"Not done: {message}.") from None
