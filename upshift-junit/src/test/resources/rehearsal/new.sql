-- The new model: account ids grow to bigint (and the transfers that refer to them), accounts get a closing date.
CREATE TABLE public.account (
    id      bigserial PRIMARY KEY,
    owner   text NOT NULL,
    email   text NOT NULL UNIQUE,
    balance numeric(12,2) NOT NULL CHECK (balance >= 0),
    opened  date NOT NULL,
    closed  date
);
CREATE TABLE public.transfer (
    id     bigserial PRIMARY KEY,
    source bigint NOT NULL REFERENCES public.account (id),
    target bigint NOT NULL REFERENCES public.account (id),
    amount numeric(12,2) NOT NULL CHECK (amount > 0),
    note   jsonb,
    at     timestamptz NOT NULL DEFAULT now()
);
