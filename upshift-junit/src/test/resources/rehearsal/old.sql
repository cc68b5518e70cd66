-- The extension's own test schema (upshift-junit's tests): accounts and transfers between them.
CREATE TABLE public.account (
    id      serial PRIMARY KEY,
    owner   text NOT NULL,
    email   text NOT NULL UNIQUE,
    balance numeric(12,2) NOT NULL CHECK (balance >= 0),
    opened  date NOT NULL
);
CREATE TABLE public.transfer (
    id     bigserial PRIMARY KEY,
    source integer NOT NULL REFERENCES public.account (id),
    target integer NOT NULL REFERENCES public.account (id),
    amount numeric(12,2) NOT NULL CHECK (amount > 0),
    note   jsonb,
    at     timestamptz NOT NULL DEFAULT now()
);
