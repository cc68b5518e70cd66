-- The shapes PostgreSQL's own logical-replication type test (src/test/subscription/t/002_types.pl) covers, in this
-- project's words, plus a few that test leaves out: multi-dimensional arrays, arrays with lower bounds other than
-- 1, empty arrays, domains over arrays and composites with CHECKs, a TOASTed array left unchanged by an UPDATE,
-- arrays of ranges and of hstore, json beside a primary key.
--
-- Every table has a primary key (several of them on an array, an enum or a composite), so the default replica
-- identity carries UPDATE and DELETE. Origin gets this file; destination gets it through dump-schema and
-- restore-schema, as an operator would do it.

CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public;

-- ---- enums and composites -------------------------------------------------------------------------------------

CREATE TYPE public.weather AS ENUM ('sunny', 'cloudy', 'rain', 'snow', 'fog');

-- a flat composite
CREATE TYPE public.reading AS (level double precision, unit text, samples integer);
-- a composite holding an enum
CREATE TYPE public.forecast AS (chance double precision, sky public.weather, hour integer);
-- a composite holding an array of enums
CREATE TYPE public.outlook AS (chance double precision, skies public.weather[], hours integer);
-- a composite nesting composites, arrays of composites, an enum and an array of enums
CREATE TYPE public.station_log AS (
    latest public.reading,
    history public.reading[],
    sky public.weather,
    skies public.weather[]
);

-- ---- domains ----------------------------------------------------------------------------------------------------

-- a domain over an array: at most four entries, none of them blank
CREATE DOMAIN public.short_tags AS text[]
    CHECK (cardinality(VALUE) <= 4 AND NOT ('' = ANY (VALUE)));
-- a domain over a composite: a level between -100 and 100
CREATE DOMAIN public.sane_reading AS public.reading
    CHECK ((VALUE).level IS NULL OR (VALUE).level BETWEEN -100 AND 100);
-- a domain over an integer array: no element zero or below (NULL elements pass, as a CHECK lets NULL pass)
CREATE DOMAIN public.positive_counts AS integer[]
    CHECK (NOT (0 >= ANY (VALUE)));

-- a domain whose CHECK calls a SQL function that reads the table: the apply worker needs a snapshot to run it.
-- Its rows are only ever inserted, as in PostgreSQL's test: a row's own entry is never above every entry, so any
-- re-check of a stored row fails.
SET check_function_bodies = off;
CREATE FUNCTION public.above_every_entry(candidate integer) RETURNS boolean LANGUAGE sql
    AS 'SELECT candidate > coalesce((SELECT max(entry) FROM public.journal), 0)';
CREATE DOMAIN public.rising_entry AS integer CHECK (public.above_every_entry(VALUE));
RESET check_function_bodies;

-- ---- tables -----------------------------------------------------------------------------------------------------

CREATE TABLE public.int_lists (
    id integer PRIMARY KEY,
    vals integer[]
);

CREATE TABLE public.mixed_arrays (
    key integer[] PRIMARY KEY,
    words text[],
    ratios double precision[],
    spans interval[],
    amounts numeric[],
    flags boolean[],
    blobs bytea[],
    ids uuid[],
    docs jsonb[],
    moments timestamptz[],
    days date[]
);

CREATE TABLE public.shaped_arrays (
    id integer PRIMARY KEY,
    grid integer[][],
    cube text[][][],
    shifted integer[],
    nothing integer[]
);

CREATE TABLE public.one_weather (
    id integer PRIMARY KEY,
    sky public.weather
);

CREATE TABLE public.weathers (
    sky public.weather PRIMARY KEY,
    skies public.weather[]
);

CREATE TABLE public.one_reading (
    id integer PRIMARY KEY,
    r public.reading
);

CREATE TABLE public.readings (
    r public.reading PRIMARY KEY,
    rs public.reading[]
);

CREATE TABLE public.one_forecast (
    id integer PRIMARY KEY,
    f public.forecast
);

CREATE TABLE public.forecasts (
    f public.forecast PRIMARY KEY,
    fs public.forecast[]
);

CREATE TABLE public.one_outlook (
    id integer PRIMARY KEY,
    o public.outlook
);

CREATE TABLE public.outlooks (
    o public.outlook PRIMARY KEY,
    os public.outlook[]
);

CREATE TABLE public.station_logs (
    log public.station_log PRIMARY KEY,
    logs public.station_log[]
);

CREATE TABLE public.int_spans (
    id integer PRIMARY KEY,
    span int4range,
    spans int4range[]
);

CREATE TABLE public.time_spans (
    id integer PRIMARY KEY,
    during tstzrange,
    chunks int8range[],
    windows tstzrange[],
    days daterange,
    amounts numrange
);

CREATE TABLE public.key_values (
    id integer PRIMARY KEY,
    attrs public.hstore,
    attr_list public.hstore[],
    note json
);

CREATE TABLE public.guarded (
    id integer PRIMARY KEY,
    tags public.short_tags,
    measure public.sane_reading,
    measures public.sane_reading[],
    counts public.positive_counts
);

CREATE TABLE public.journal (
    entry public.rising_entry PRIMARY KEY,
    memo text
);

CREATE TABLE public.big_arrays (
    id integer PRIMARY KEY,
    note text,
    payload integer[]
);
