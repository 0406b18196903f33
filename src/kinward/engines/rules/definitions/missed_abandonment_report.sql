-- Newborns abandoned (an abandonment_found event) with no abandonment report for the event or the child once
-- the reporting deadline has passed by the dataset's now; and live-born children who left the facility with no
-- record (they appear in an adoption order or file with no discharge, transfer, abandonment or death before
-- it) and for whom no report was filed.
WITH kids AS (
    SELECT ref FROM birth
    WHERE NOT $scoped OR ref IN (SELECT ref FROM scope WHERE type = 'births')
), reported AS (
    SELECT DISTINCT coalesce(r.child, e.child) AS child FROM report r LEFT JOIN custody e ON e.ref = r.event
    WHERE coalesce(r.child, e.child) IN (SELECT ref FROM kids)
), found AS (
    SELECT c.child, first(c.ref ORDER BY c.at) AS event, min(c.at) AS at,
           first(coalesce(c.facility, b.facility) ORDER BY c.at) AS facility
    FROM custody c JOIN birth b ON b.ref = c.child
    WHERE c.type = 'abandonment_found' AND c.child IN (SELECT ref FROM kids) GROUP BY c.child
), adoption AS (
    SELECT child, type, ref, day FROM (
        SELECT child, 'custody_events' AS type, ref, coalesce(decided_on, local_date) AS day
        FROM custody WHERE type = 'adoption_order'
        UNION ALL
        SELECT child, 'adoption_files', ref, filed_on FROM adoption_files WHERE child IS NOT NULL)
    WHERE child IN (SELECT ref FROM kids)
), gone AS (
    SELECT a.child, first(a.type ORDER BY a.day, a.ref) AS type, first(a.ref ORDER BY a.day, a.ref) AS ref,
           min(a.day) AS day, any_value(b.facility) AS facility
    FROM adoption a JOIN birth b ON b.ref = a.child AND b.outcome = 'live'
    WHERE NOT EXISTS (
        SELECT 1 FROM custody c WHERE c.child = a.child
          AND c.type IN ('discharge', 'transfer', 'abandonment_found', 'death') AND c.local_date <= a.day)
    GROUP BY a.child
), candidates AS (
    SELECT f.child, 'abandoned with no abandonment report' AS problem, f.facility,
           'custody_events' AS type, f.event AS ref, CAST(f.at AS DATE) AS day
    FROM found f, meta m WHERE f.at + to_hours($deadline_hours + $grace_hours) < m.now
    UNION ALL
    SELECT g.child, 'left the facility with no discharge, transfer or abandonment record, then appears in an '
           || 'adoption', g.facility, g.type, g.ref, g.day
    FROM gone g WHERE g.child NOT IN (SELECT child FROM found)
)
SELECT c.child AS subject_ref,
       [{'type': 'births', 'ref': c.child}, {'type': c.type, 'ref': c.ref}] AS evidence,
       to_json({'child': c.child, 'facility': c.facility, 'problem': c.problem, 'since': c.day,
                'deadline_hours': $deadline_hours, 'grace_hours': $grace_hours}) AS facts
FROM candidates c
WHERE c.child NOT IN (SELECT child FROM reported WHERE child IS NOT NULL)
