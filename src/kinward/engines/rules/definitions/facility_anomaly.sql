-- Per delivering facility and measure: the number of events and of trials, for the peer test (post step
-- peer_rate_test compares each facility with the pooled rate of the other facilities of the same kind).
WITH fac AS (
    SELECT a.ref, a.kind FROM agencies a
    WHERE a.ref IN (SELECT DISTINCT facility FROM birth)
), found AS (
    SELECT c.child, min(c.at) AS at, first(c.ref ORDER BY c.at) AS ref,
           first(coalesce(c.facility, b.facility) ORDER BY c.at) AS facility
    FROM custody c JOIN birth b ON b.ref = c.child
    WHERE c.type = 'abandonment_found' GROUP BY c.child
), reported AS (
    SELECT coalesce(r.child, e.child) AS child, min(r.reported) AS reported
    FROM report r LEFT JOIN custody e ON e.ref = r.event GROUP BY ALL
), measures AS (
    SELECT b.facility, 'abandonment' AS measure, count(f.child) AS events, count(*) AS trials,
           string_agg(f.ref, chr(31)) FILTER (WHERE f.ref IS NOT NULL) AS refs, 'custody_events' AS ref_type
    FROM birth b LEFT JOIN found f ON f.child = b.ref
    WHERE b.outcome = 'live' GROUP BY b.facility
    UNION ALL
    SELECT coalesce(c.facility, b.facility), 'discharge_to_non_parent',
           count(*) FILTER (WHERE coalesce(c.relationship, 'other') NOT IN ('mother', 'father')), count(*),
           string_agg(c.ref, chr(31)) FILTER (WHERE coalesce(c.relationship, 'other') NOT IN ('mother', 'father')),
           'custody_events'
    FROM custody c JOIN birth b ON b.ref = c.child WHERE c.type = 'discharge' GROUP BY ALL
    UNION ALL
    SELECT b.facility, 'stillbirth', count(*) FILTER (WHERE b.outcome = 'still'), count(*),
           string_agg(b.ref, chr(31)) FILTER (WHERE b.outcome = 'still'), 'births'
    FROM birth b GROUP BY b.facility
    UNION ALL
    SELECT f.facility, 'late_or_missing_abandonment_report',
           count(*) FILTER (WHERE coalesce(r.reported, m.now) > f.at + to_hours($report_deadline_hours)),
           count(*),
           string_agg(f.ref, chr(31)) FILTER (WHERE coalesce(r.reported, m.now) > f.at + to_hours($report_deadline_hours)),
           'custody_events'
    FROM found f LEFT JOIN reported r ON r.child = f.child, meta m
    WHERE f.at + to_hours($report_deadline_hours) < m.now GROUP BY f.facility
    UNION ALL
    SELECT b.facility, 'late_registration',
           count(*) FILTER (WHERE c.first_issued - b.local_date > $registration_days), count(*),
           string_agg(b.ref, chr(31)) FILTER (WHERE c.first_issued - b.local_date > $registration_days), 'births'
    FROM birth b JOIN (SELECT child, min(issued_on) AS first_issued FROM certificates GROUP BY child) c
      ON c.child = b.ref
    WHERE b.outcome = 'live' GROUP BY b.facility
)
SELECT m.facility AS subject_ref, fac.kind AS peer_group, m.measure, m.events, m.trials,
       m.ref_type, m.refs  -- the counted records' refs joined by chr(31), split only for flagged facilities
FROM measures m JOIN fac ON fac.ref = m.facility
WHERE NOT ($skip_ring_facilities AND m.facility IN (SELECT subject_ref FROM alerts WHERE rule = 'clinic_ring'))
