-- Children adopted (order or file) soon after their birth at a facility that the facility_anomaly rule flagged.
WITH flagged AS (
    SELECT subject_ref AS facility FROM alerts WHERE rule = 'facility_anomaly'
), adoption AS (
    SELECT child, 'custody_events' AS type, ref, coalesce(decided_on, local_date) AS day
    FROM custody WHERE type = 'adoption_order'
    UNION ALL
    SELECT child, 'adoption_files', ref, filed_on FROM adoption_files WHERE child IS NOT NULL
)
SELECT b.ref AS subject_ref,
       [{'type': 'births', 'ref': b.ref}, {'type': 'agencies', 'ref': b.facility}]
         || list({'type': a.type, 'ref': a.ref} ORDER BY a.day, a.ref) AS evidence,
       to_json({'child': b.ref, 'facility': b.facility, 'birth_date': b.local_date,
                'adopted_on': min(a.day), 'days': min(a.day) - b.local_date, 'max_days': $max_days}) AS facts
FROM adoption a JOIN birth b ON b.ref = a.child JOIN flagged f ON f.facility = b.facility
WHERE a.day - b.local_date <= $max_days
  AND (NOT $scoped OR b.ref IN (SELECT ref FROM scope WHERE type = 'births'))
GROUP BY b.ref, b.facility, b.local_date
