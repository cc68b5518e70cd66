-- The second batch, on origin while the subscription streams: UPDATEs that change array elements, composite
-- fields, primary keys that are arrays, enums or composites, and DELETEs found through element, field and range
-- operators; a few INSERTs. journal is only inserted into (see schema.sql). big_arrays' UPDATE leaves the TOASTed
-- payload unchanged, which pgoutput sends as "unchanged" rather than as a value.

UPDATE public.int_lists SET vals = '{40, 50, 60}' WHERE id = 1;
UPDATE public.int_lists SET vals[2] = 99 WHERE id = 2;
UPDATE public.int_lists SET vals = vals || 11 WHERE id > 4;
UPDATE public.int_lists SET vals = '{}' WHERE id = 3;
DELETE FROM public.int_lists WHERE vals = '{-1, 0, 2147483647, -2147483648}';
INSERT INTO public.int_lists (id, vals) VALUES (9, '{1, NULL, NULL, NULL, 5}');

UPDATE public.mixed_arrays SET words = '{"one", "two"}', ratios = '{1.0, 2.0}', spans = '{"1 day 1 second"}'
    WHERE key = '{1, 1}';
UPDATE public.mixed_arrays SET key = '{1, 3}', words[2] = 'changed "quote"' WHERE key = '{1, 2}';
UPDATE public.mixed_arrays SET amounts = '{0.000000001}', flags = '{true, NULL, false}', days = '{2024-02-29}'
    WHERE key[1] = 3;
DELETE FROM public.mixed_arrays WHERE 'NULL' = ANY (words);
INSERT INTO public.mixed_arrays (key, words, moments) VALUES
    ('{5}', ARRAY['inserted while streaming'], ARRAY['2001-02-03 04:05:06.789+01'::timestamptz]);

UPDATE public.shaped_arrays SET grid[1][2] = 20, shifted[1] = 80 WHERE id = 1;
UPDATE public.shaped_arrays SET shifted = '[10:11]={10, 11}', nothing = '{}' WHERE id = 2;
UPDATE public.shaped_arrays SET cube = '{{{"p"}, {"q"}}}' WHERE id = 3;
DELETE FROM public.shaped_arrays WHERE grid = '[2:3][4:5]={{1, 2}, {3, 4}}';
INSERT INTO public.shaped_arrays (id, grid, cube, shifted, nothing) VALUES
    (5, '[0:1][0:0]={{NULL}, {-5}}', '{{{"\\", "}"}}}', '[-1:0]={NULL, 0}', '{}');

UPDATE public.one_weather SET sky = 'fog' WHERE id = 1;
UPDATE public.one_weather SET sky = NULL WHERE id > 4;
DELETE FROM public.one_weather WHERE sky = 'cloudy';

UPDATE public.weathers SET skies = '{fog, NULL}' WHERE sky = 'sunny';
UPDATE public.weathers SET skies = '{snow, snow}' WHERE sky > 'rain';
DELETE FROM public.weathers WHERE skies[1] = 'rain';
UPDATE public.weathers SET sky = 'cloudy' WHERE sky = 'snow';
INSERT INTO public.weathers (sky, skies) VALUES ('snow', '{NULL, NULL}');

UPDATE public.one_reading SET r.unit = 'MM' WHERE id = 1;
UPDATE public.one_reading SET r = ROW(NULL, 'x', -1) WHERE id > 5;
UPDATE public.one_reading SET r.level = 3.25, r.samples = 33 WHERE id = 3;
DELETE FROM public.one_reading WHERE (r).unit = 'cm';
INSERT INTO public.one_reading (id, r) VALUES (8, ROW('-0'::double precision, 'new, "streamed"', -8)), (9, ROW(NULL, NULL, NULL));

UPDATE public.readings SET rs = ARRAY[ROW(9, 'x', -1)::public.reading] WHERE (r).level = 1.0;
UPDATE public.readings SET rs = ARRAY[NULL, ROW(9, 'x', NULL)::public.reading] WHERE (r).level > 3.9;
UPDATE public.readings SET r = ROW(3.0, 'metres', 3) WHERE r = ROW(3.0, 'm', 3)::public.reading;
DELETE FROM public.readings WHERE ROW(2.5, 'cm', 3)::public.reading = ANY (rs);
INSERT INTO public.readings (r, rs) VALUES (ROW(6.0, '', 6), ARRAY[NULL, NULL]::public.reading[]);

UPDATE public.one_forecast SET f = ROW(0.1, NULL, NULL) WHERE id = 1;
UPDATE public.one_forecast SET f.sky = 'rain', f.hour = 23 WHERE id > 4;
DELETE FROM public.one_forecast WHERE (f).chance = 0.2;

UPDATE public.forecasts SET fs = ARRAY[NULL, ROW(0.9, 'snow', 9)::public.forecast]
    WHERE f = ROW(0.1, 'sunny', 1)::public.forecast;
UPDATE public.forecasts SET fs = ARRAY[ROW(0.1, 'sunny', 1), ROW(0.2, 'cloudy', 2)]::public.forecast[]
    WHERE (f).chance > 0.35;
UPDATE public.forecasts SET f.hour = 20 WHERE (f).sky = 'cloudy';
DELETE FROM public.forecasts WHERE ROW(0.35, 'fog', 4)::public.forecast = ANY (fs);
INSERT INTO public.forecasts (f, fs) VALUES
    (ROW(NULL, 'rain', NULL), ARRAY[ROW(NULL, NULL, NULL)::public.forecast]);

UPDATE public.one_outlook SET o = ROW(0.5, '{sunny, fog, rain}', NULL) WHERE id = 1;
UPDATE public.one_outlook SET o.skies[2] = 'snow' WHERE id = 4;
UPDATE public.one_outlook SET o.skies = '{}' WHERE id = 6;
DELETE FROM public.one_outlook WHERE 'rain' = ANY ((o).skies) AND id = 2;

UPDATE public.outlooks SET os = ARRAY[NULL, ROW(0.5, '{sunny, cloudy}', 1)::public.outlook,
        ROW(NULL, '{sunny, fog, cloudy}', 2)::public.outlook] WHERE (o).chance = 0.5;
UPDATE public.outlooks SET os = ARRAY[ROW(5, '{sunny, cloudy, rain}', 5)::public.outlook] WHERE (o).chance > 0.75;
DELETE FROM public.outlooks WHERE (os[1]).skies = '{cloudy, rain}';
INSERT INTO public.outlooks (o, os) VALUES
    (ROW(0.25, '{fog, NULL}', 25), ARRAY[ROW(0.25, '{}', NULL), NULL]::public.outlook[]);

UPDATE public.station_logs SET logs[2] = NULL WHERE ((log).latest).level = 1.5;
UPDATE public.station_logs SET logs = logs || ROW(ROW(8, 'appended', 8), '{}', 'fog', '{fog}')::public.station_log
    WHERE (log).sky = 'snow';
INSERT INTO public.station_logs (log, logs) VALUES
    (ROW(NULL, NULL, NULL, NULL), '{}');

UPDATE public.int_spans SET span = '[100, 1000]' WHERE id = 1;
UPDATE public.int_spans SET span = '(1, 90)', spans = spans || '[7,8)'::int4range WHERE id > 3;
DELETE FROM public.int_spans WHERE '[500,600]' && span;
INSERT INTO public.int_spans (id, span, spans) VALUES (7, '(,0)', '{empty, "[1,1]", NULL}');

UPDATE public.time_spans SET chunks = '{"[100, 1000]"}' WHERE id = 1;
UPDATE public.time_spans SET during = tstzrange('2014-08-04 00:00:00+02', 'infinity'),
        chunks = '{NULL, "[11,9999999]"}', windows = '{empty}' WHERE id > 3;
DELETE FROM public.time_spans WHERE tstzrange('2014-08-04 00:00:00+02', '2014-08-05 00:00:00+02') && during
    AND id = 1;
INSERT INTO public.time_spans (id, during, chunks, windows, days, amounts) VALUES
    (7, tstzrange('2020-03-29 01:59:59.999999+00', '2020-03-29 04:00:00+02', '[]'), '{"(,)"}',
        ARRAY[tstzrange('2020-10-25 00:30:00+00', '2020-10-25 01:30:00+00')], '[2020-02-28, 2020-03-01]',
        '[3.14159265358979323846, 3.14159265358979323847]');

UPDATE public.key_values SET attrs = '"updated"=>"value"' WHERE id < 3;
UPDATE public.key_values SET attrs = attrs || '"added"=>"later"'::public.hstore, note = '{"re": "written"}'
    WHERE id = 3;
UPDATE public.key_values SET attrs = delete(attrs, 'yellow horse') WHERE id = 4;
UPDATE public.key_values SET attr_list = attr_list || '"z"=>NULL'::public.hstore WHERE id = 5;
DELETE FROM public.key_values WHERE '"x"=>"1"'::public.hstore = ANY (attr_list);
INSERT INTO public.key_values (id, attrs, attr_list, note) VALUES
    (7, '"nul"=>NULL, "empty"=>""', ARRAY['"a"=>"b", "c"=>"d"']::public.hstore[], '  {"spaced": true}  ');

UPDATE public.guarded SET tags = tags || 'gamma'::text, measure.level = 99.75 WHERE id = 1;
UPDATE public.guarded SET measures = ARRAY[ROW(-1, 'mg', 7)]::public.sane_reading[], counts = '{42}' WHERE id = 2;
DELETE FROM public.guarded WHERE id = 4;
INSERT INTO public.guarded (id, tags, measure, measures, counts) VALUES
    (5, '{"new"}', ROW(0, 'kg', 0), '{}', '{1, NULL, 2}');

INSERT INTO public.journal (entry, memo) VALUES (11, 'the second entry, checked against the first');

UPDATE public.big_arrays SET note = 'payload untouched' WHERE id = 1;
UPDATE public.big_arrays SET payload[20000] = -1 WHERE id = 2;
DELETE FROM public.big_arrays WHERE id = 3;
INSERT INTO public.big_arrays (id, note, payload)
    SELECT 4, 'inserted while streaming', ARRAY(SELECT g * 31 % 65521 FROM generate_series(1, 30000) AS g);
