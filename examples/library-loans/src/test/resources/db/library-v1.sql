-- A lending library's database as the application runs it today (PostgreSQL 13).
CREATE TYPE public.loan_state AS ENUM ('out', 'returned', 'lost');

CREATE TABLE public.member (
    id        serial PRIMARY KEY,
    card      varchar(12) NOT NULL UNIQUE,
    name      text NOT NULL,
    email     text,
    joined    date NOT NULL,
    nickname  text
);

CREATE TABLE public.book (
    id        serial PRIMARY KEY,
    isbn      char(13) NOT NULL UNIQUE,
    title     text NOT NULL,
    authors   text[] NOT NULL,
    published smallint CHECK (published BETWEEN 1450 AND 2100),
    details   jsonb
);

CREATE TABLE public.loan (
    id          serial PRIMARY KEY,
    member_id   integer NOT NULL REFERENCES public.member (id),
    book_id     integer NOT NULL REFERENCES public.book (id),
    state       public.loan_state NOT NULL,
    loaned_at   timestamptz NOT NULL,
    due         date NOT NULL,
    returned_at timestamptz,
    CHECK (returned_at IS NULL OR returned_at >= loaned_at)
);
CREATE INDEX loan_member ON public.loan (member_id);
