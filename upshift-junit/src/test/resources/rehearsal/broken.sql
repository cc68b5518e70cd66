-- A schema file that does not load: the rehearsal must fail the tests and say why.
CREATE TABLE public.ok (id integer PRIMARY KEY);
CREATE TABLE public.broken (id integer PRIMARY KEY, owner_id integer REFERENCES public.no_such_table (id));
