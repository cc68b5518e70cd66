-- The same database after the application's next release, on PostgreSQL 16: loan ids become bigint (they are
-- running out), members no longer have a nickname, and books get a shelf code.
CREATE TYPE public.loan_state AS ENUM ('out', 'returned', 'lost');

CREATE TABLE public.member (
    id        serial PRIMARY KEY,
    card      varchar(12) NOT NULL UNIQUE,
    name      text NOT NULL,
    email     text,
    joined    date NOT NULL
);

CREATE TABLE public.book (
    id        serial PRIMARY KEY,
    isbn      char(13) NOT NULL UNIQUE,
    title     text NOT NULL,
    authors   text[] NOT NULL,
    published smallint CHECK (published BETWEEN 1450 AND 2100),
    details   jsonb,
    shelf     text
);

CREATE TABLE public.loan (
    id          bigserial PRIMARY KEY,
    member_id   integer NOT NULL REFERENCES public.member (id),
    book_id     integer NOT NULL REFERENCES public.book (id),
    state       public.loan_state NOT NULL,
    loaned_at   timestamptz NOT NULL,
    due         date NOT NULL,
    returned_at timestamptz,
    CHECK (returned_at IS NULL OR returned_at >= loaned_at)
);
CREATE INDEX loan_member ON public.loan (member_id);
