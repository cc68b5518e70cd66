-- The first batch, on origin before the initial copy: NULL values, NULL elements, empty arrays, values that need
-- quoting in array and record text (commas, quotes, backslashes, braces, blanks, the word NULL), special floats.

INSERT INTO public.int_lists (id, vals) VALUES
    (1, '{10, 20, 30}'),
    (2, '{30, 10, 20}'),
    (3, '{7}'),
    (4, '{-1, 0, 2147483647, -2147483648}'),
    (5, '{8, NULL, 9}'),
    (6, '{NULL}'),
    (7, '{}'),
    (8, NULL);

INSERT INTO public.mixed_arrays (key, words, ratios, spans, amounts, flags, blobs, ids, docs, moments, days) VALUES
    ('{1, 1}', '{"red", "green", "blue"}', '{0.5, 0.25, 0.125}', '{"1 day", "36 hours", "90 minutes"}',
        '{1.50, 2.000, -0.001}', '{true, false}', '{"\\x00ff", "\\xdeadbeef"}',
        '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}', ARRAY['{"k": 1}', '[1, 2, 3]']::jsonb[],
        '{"2014-08-04 00:00:00+02", "1999-12-31 23:59:59.999999+00"}', '{2020-02-29, 1970-01-01}'),
    ('{1, 2}', '{"comma, inside", "quote \" inside", "back\\slash", "{braces}", " padded "}',
        '{0.1, 0.2, 0.30000000000000004}', '{"1 mon 2 days", "-3 hours", "00:00:00.000001"}',
        '{NaN, 0, 123456789012345678901234567890.123456789}', '{NULL, true}', '{"\\x", NULL}',
        '{NULL, 00000000-0000-0000-0000-000000000000}', ARRAY['{"nested": {"a": [true, null]}}', 'null']::jsonb[],
        '{infinity, -infinity}', '{infinity, 2000-01-01}'),
    ('{2, 1}', '{"", "NULL", NULL}', '{NaN, Infinity, -Infinity, -0}', '{NULL, "0"}',
        '{}', '{}', '{}', '{}', '{}', '{}', '{}'),
    ('{3}', '{"ünïcödé", "日本語", "emoji 🐘"}', '{1e-300, 1.7976931348623157e308, 4.9e-324}',
        '{"100 years", "1 year 1 mon 1 day 01:01:01.5"}', '{0.1, 0.10, 0.100}', '{false}',
        '{"\\x0a0d09"}', '{ffffffff-ffff-ffff-ffff-ffffffffffff}', ARRAY['"just a string"']::jsonb[],
        '{"2038-01-19 03:14:08+00"}', '{1900-03-01}'),
    ('{4, NULL}', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);

INSERT INTO public.shaped_arrays (id, grid, cube, shifted, nothing) VALUES
    (1, '{{1, 2, 3}, {4, 5, 6}}', '{{{"a", "b"}, {"c", "d"}}, {{"e", "f"}, {"g", NULL}}}', '[0:2]={7, 8, 9}', '{}'),
    (2, '{{NULL, NULL}, {NULL, 1}}', '{{{"x"}}}', '[-3:-2]={1, 2}', NULL),
    (3, '{{1}, {2}, {3}}', '{{{"only,one", "sp ace"}}}', '[5:5]={55}', '{}'),
    (4, '[2:3][4:5]={{1, 2}, {3, 4}}', NULL, '{1, 2}', '{}');

INSERT INTO public.one_weather (id, sky) VALUES
    (1, 'sunny'), (2, 'cloudy'), (3, 'rain'), (4, 'snow'), (5, NULL), (6, 'fog');

INSERT INTO public.weathers (sky, skies) VALUES
    ('sunny', '{cloudy, rain}'),
    ('cloudy', '{rain, sunny}'),
    ('rain', '{cloudy, sunny, fog}'),
    ('snow', '{}'),
    ('fog', '{snow, NULL}');

INSERT INTO public.one_reading (id, r) VALUES
    (1, ROW(0.5, 'mm', 1)),
    (2, ROW(2.25, 'cm', 2)),
    (3, ROW(-7.75, 'in, or so', 3)),
    (4, ROW(NULL, '"quoted"', NULL)),
    (5, ROW(NULL, NULL, NULL)),
    (6, NULL),
    (7, ROW(1e-10, '', 0));

INSERT INTO public.readings (r, rs) VALUES
    (ROW(1.0, 'mm', 1), ARRAY[ROW(1.0, 'mm', 1)::public.reading]),
    (ROW(2.0, 'cm', 2), ARRAY[ROW(2.0, 'cm', 2), ROW(2.5, 'cm', 3)]::public.reading[]),
    (ROW(3.0, 'm', 3), ARRAY[ROW(3.0, 'm', 3)::public.reading, NULL]),
    (ROW(4.0, 'km', 4), ARRAY[NULL, ROW(NULL, 'km', NULL)::public.reading]),
    (ROW(5.0, 'au', NULL), '{}');

INSERT INTO public.one_forecast (id, f) VALUES
    (1, ROW(0.1, 'sunny', 6)),
    (2, ROW(0.2, 'cloudy', 12)),
    (3, ROW(0.3, 'rain', 18)),
    (4, ROW(0.4, 'snow', 0)),
    (5, ROW(NULL, 'fog', NULL)),
    (6, ROW(0.6, NULL, 6));

INSERT INTO public.forecasts (f, fs) VALUES
    (ROW(0.1, 'sunny', 1), ARRAY[ROW(0.1, 'sunny', 1)::public.forecast]),
    (ROW(0.2, 'cloudy', 2), ARRAY[ROW(0.2, 'cloudy', 2)::public.forecast]),
    (ROW(0.3, 'rain', 3), ARRAY[ROW(0.3, 'rain', 3), ROW(0.35, 'fog', 4)]::public.forecast[]),
    (ROW(0.4, 'snow', 3), ARRAY[ROW(0.4, 'snow', 3)::public.forecast, NULL]),
    (ROW(0.5, 'fog', 3), ARRAY[NULL, ROW(0.5, 'fog', 3)::public.forecast]);

INSERT INTO public.one_outlook (id, o) VALUES
    (1, ROW(0.5, '{sunny, cloudy, rain}', 1)),
    (2, ROW(0.6, '{rain, rain, rain}', 2)),
    (3, ROW(0.7, '{}', 3)),
    (4, ROW(0.8, '{snow, fog, cloudy}', 4)),
    (5, ROW(0.9, '{NULL, fog, NULL}', 5)),
    (6, ROW(1.0, NULL, 6));

INSERT INTO public.outlooks (o, os) VALUES
    (ROW(0.5, '{sunny, cloudy}', 1), ARRAY[ROW(0.5, '{sunny, cloudy}', 1)::public.outlook]),
    (ROW(0.6, '{cloudy, rain}', 2), ARRAY[ROW(0.6, '{cloudy, rain}', 1)::public.outlook]),
    (ROW(0.7, '{rain, sunny}', 1), ARRAY[ROW(0.7, '{rain, sunny}', 1)::public.outlook]),
    (ROW(0.8, '{snow, fog, rain}', 4), ARRAY[ROW(0.8, '{snow, fog, rain}', 4)::public.outlook]),
    (ROW(0.9, '{rain, NULL, fog}', NULL), ARRAY[ROW(0.9, '{rain, snow, fog}', 1)::public.outlook,
        ROW(NULL, '{}', NULL)::public.outlook]);

INSERT INTO public.station_logs (log, logs) VALUES
    (ROW(ROW(1.5, 'mm', 1),
         ARRAY[ROW(1.5, 'mm', 1)::public.reading, ROW(2.5, 'mm', 2)::public.reading],
         'rain',
         '{rain, cloudy, NULL, sunny}'),
     ARRAY[ROW(ROW(1.5, 'mm', 1),
               ARRAY[ROW(1.5, 'mm', 1)::public.reading, ROW(2.5, 'mm', 2)::public.reading, NULL],
               'rain',
               '{rain, sunny}')::public.station_log]),
    (ROW(ROW(-4, 'deg, "C"', 7), '{}', 'snow', '{}'),
     ARRAY[NULL, ROW(NULL, NULL, NULL, NULL)::public.station_log,
           ROW(ROW(0, '', 0), ARRAY[NULL]::public.reading[], NULL, ARRAY[NULL]::public.weather[])::public.station_log]);

INSERT INTO public.int_spans (id, span, spans) VALUES
    (1, '[1, 10]', '{"[1,2]", "[10,20]"}'),
    (2, '[2, 20)', '{"(2,3]", empty}'),
    (3, '(3, 30]', '{}'),
    (4, '[4,)', '{"[4,5]", NULL, "(,50]"}'),
    (5, 'empty', NULL),
    (6, NULL, '{"(,)"}');

INSERT INTO public.time_spans (id, during, chunks, windows, days, amounts) VALUES
    (1, tstzrange('2014-08-04 00:00:00+02', 'infinity'), '{"[1,2]", "[10,20]"}',
        ARRAY[tstzrange('2014-08-01 00:00:00+02', '2014-08-02 00:00:00+02')], '[2014-08-01, 2014-08-31]', '[0.5, 1.5)'),
    (2, tstzrange('2014-08-02 00:00:00+02', '2014-08-04 00:00:00+02'), '{"[2,3]", "[20,30]"}',
        '{}', '(2014-08-01, 2014-08-02)', '(,0]'),
    (3, tstzrange('2014-08-01 12:34:56.789+05:30', '2014-08-04 00:00:00-07', '(]'), '{"[3,4]"}',
        ARRAY[tstzrange(NULL, '2000-01-01 00:00:00+00'), NULL, 'empty'::tstzrange], 'empty', 'empty'),
    (4, tstzrange('2014-07-31 00:00:00+02', '2014-08-04 00:00:00+02'), '{"[4,5]", NULL, "[40,50]"}',
        NULL, '[,2014-08-04]', '[1.000, 1.0001]'),
    (5, NULL, NULL, NULL, NULL, NULL),
    (6, 'empty', '{"[9223372036854775806,9223372036854775806]"}', '{"(,)"}', '(,)', '(-1e20, 1e20)');

INSERT INTO public.key_values (id, attrs, attr_list, note) VALUES
    (1, '"a"=>"1"', ARRAY['"x"=>"1"', '"y"=>NULL']::public.hstore[], '{"b": 1,  "a": 2}'),
    (2, '"zzz"=>"foo", "aaa"=>"bar"', '{}', '[1,   2]'),
    (3, '"123"=>"321"', ARRAY[NULL, '']::public.hstore[], 'null'),
    (4, '"yellow horse"=>"moaned", "quote\"key"=>"back\\slash"', NULL, '"text"'),
    (5, '', ARRAY['"k"=>"v"']::public.hstore[], NULL),
    (6, NULL, NULL, '{"dup": 1, "dup": 2}');

INSERT INTO public.guarded (id, tags, measure, measures, counts) VALUES
    (1, '{"alpha", "beta"}', ROW(12.5, 'kg', 3), ARRAY[ROW(1, 'kg', 1), ROW(-99.5, 'kg', 2)]::public.sane_reading[],
        '{1, 2, 3}'),
    (2, '{}', ROW(NULL, 'kg', NULL), '{}', '{5, NULL}'),
    (3, '{"x", NULL, "z", "w"}', NULL, ARRAY[NULL, ROW(100, 'g', 1)]::public.sane_reading[], '{}'),
    (4, NULL, ROW(-100, NULL, 0), NULL, NULL);

INSERT INTO public.journal (entry, memo) VALUES (10, 'the first entry');

INSERT INTO public.big_arrays (id, note, payload)
    SELECT n, 'row ' || n, ARRAY(SELECT (g * 7919 + n) % 1000003 FROM generate_series(1, 20000) AS g)
    FROM generate_series(1, 3) AS n;
