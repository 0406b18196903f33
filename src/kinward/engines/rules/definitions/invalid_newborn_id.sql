-- Births whose newborn ID fails the identifier check (table newborn_id_check, filled by the ids engine's
-- validator when present) or is carried by another birth too (an ID is never reused).
WITH shared AS (
    SELECT newborn_id, list(ref ORDER BY ref) AS refs FROM birth
    WHERE newborn_id IS NOT NULL GROUP BY newborn_id HAVING count(*) > 1
)
SELECT b.ref AS subject_ref,
       [{'type': 'births', 'ref': b.ref}] || ref_list('births', list_filter(coalesce(s.refs, []), lambda r: r <> b.ref))
         AS evidence,
       to_json({'child': b.ref, 'newborn_id': b.newborn_id, 'facility': b.facility,
                'problems': array_to_string(list_filter([
                    CASE WHEN k.valid = false THEN 'the ID fails its check: ' || k.reason END,
                    CASE WHEN s.refs IS NOT NULL THEN 'the same ID is on ' || len(s.refs) || ' births' END
                ], lambda x: x IS NOT NULL), '; ')}) AS facts
FROM birth b
LEFT JOIN newborn_id_check k ON k.ref = b.ref
LEFT JOIN shared s ON s.newborn_id = b.newborn_id
WHERE b.newborn_id IS NOT NULL AND (k.valid = false OR s.refs IS NOT NULL)
  AND (NOT $scoped OR b.ref IN (SELECT ref FROM scope WHERE type = 'births'))
