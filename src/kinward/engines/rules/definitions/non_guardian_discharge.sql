-- Discharges (current state, corrections applied) whose recipient's entitlement is not established, split by
-- strength. Entitled: the child's registered mother (same person or same identity document), a legal guardian
-- holding a guardianship document issued on or before the discharge, or (when accepted) the father.
-- Strong (parameter tier = 'strong'): no recipient; someone recorded as the mother who is not the registered
-- mother; someone recorded as legal guardian without a guardianship document; or anyone else not entitled whose
-- identity document was not checked (nobody knows who took the child, nor on what authority) and who has no
-- recorded tie to the mother: with `local_kin_review`, a recipient whose persons record places them in the
-- mother's own region (a grandmother, an aunt) is not a stranger and goes to the review tier instead.
-- Review (tier = 'review'): a recipient not entitled but identified (a relative with a checked ID), one not
-- identified but recorded in the mother's region, or an entitled recipient whose identity document was not
-- checked.
WITH d AS (
    SELECT c.*, b.facility AS birth_facility, b.mother AS birth_mother, b.woman AS birth_woman,
           coalesce(tp.woman, 'ref:' || c."to") AS to_woman
    FROM custody c
    JOIN birth b ON b.ref = c.child
    LEFT JOIN person_identity tp ON tp.ref = c."to"
    WHERE c.type = 'discharge'
      AND (NOT $scoped OR c.ref IN (SELECT ref FROM scope WHERE type = 'custody_events'))
), judged AS (
    SELECT d.*,
           (d."to" IS NOT NULL AND d.birth_woman IS NOT NULL AND d.to_woman = d.birth_woman) AS to_is_mother,
           (d.relationship = 'legal_guardian' AND d.guardianship_document.number IS NOT NULL
             AND (d.guardianship_document.issued_on IS NULL OR d.guardianship_document.issued_on <= d.local_date))
             AS guardian_with_document,
           coalesce(d.id_document_checked, false) AS checked,
           (coalesce(d.relationship, 'other') NOT IN ('mother', 'legal_guardian', 'father')
            OR (d.relationship = 'father' AND NOT $accept_father)) AS not_entitled
    FROM d
), open_cases AS (
    -- the common case (an entitled recipient whose document was checked) has nothing to report in any tier
    SELECT * FROM judged j
    WHERE NOT (j."to" IS NOT NULL AND j.checked
               AND (j.to_is_mother OR j.guardian_with_document OR (j.relationship = 'father' AND $accept_father)))
), tied AS (
    -- where the recipient's and the mother's persons records place them (only for the few open cases)
    SELECT o.*, coalesce(tr.region IS NOT NULL AND tr.region = mr.region, false) AS local_tie
    FROM open_cases o
    LEFT JOIN persons tr ON tr.ref = o."to"
    LEFT JOIN persons mr ON mr.ref = o.birth_mother
), problems AS (
    SELECT j.*,
           list_filter([
             CASE WHEN j."to" IS NULL THEN 'the discharge names no person' END,
             CASE WHEN j."to" IS NOT NULL AND j.relationship = 'mother' AND NOT j.to_is_mother
                  THEN 'recorded as the mother but is not the registered mother of the child' END,
             CASE WHEN j.relationship = 'legal_guardian' AND NOT j.guardian_with_document AND NOT j.to_is_mother
                  THEN 'recorded as legal guardian without a guardianship document issued before the discharge' END,
             CASE WHEN j."to" IS NOT NULL AND NOT j.to_is_mother AND NOT j.checked AND j.not_entitled
                   AND NOT (j.local_tie AND $local_kin_review)
                  THEN 'neither the mother nor a legal guardian, and no identity document was checked' END
           ], lambda x: x IS NOT NULL) AS strong,
           list_filter([
             CASE WHEN j."to" IS NOT NULL AND NOT j.to_is_mother AND j.checked AND j.not_entitled
                  THEN 'neither the mother nor a legal guardian (identity document checked)' END,
             CASE WHEN j."to" IS NOT NULL AND NOT j.to_is_mother AND NOT j.checked AND j.not_entitled
                   AND j.local_tie AND $local_kin_review
                  THEN 'neither the mother nor a legal guardian, no identity document checked; recorded as '
                       || 'living in the mother''s region' END,
             CASE WHEN NOT j.checked AND (j.to_is_mother OR j.guardian_with_document
                                          OR (j.relationship = 'father' AND $accept_father))
                  THEN 'no identity document was checked' END
           ], lambda x: x IS NOT NULL) AS review
    FROM tied j
), tiered AS (
    SELECT *, CASE WHEN $tier = 'strong' THEN strong ELSE CASE WHEN len(strong) = 0 THEN review ELSE [] END END
              AS found
    FROM problems
)
SELECT ref AS subject_ref,
       [{'type': 'custody_events', 'ref': ref}, {'type': 'births', 'ref': child}] || ref_list('persons', ["to"])
         || ref_list('custody_events', correction_refs) AS evidence,
       to_json({'discharge': ref, 'child': child, 'facility': coalesce(facility, birth_facility),
                'to': "to", 'relationship': coalesce(relationship, 'unstated'),
                'relationship_detail': relationship_detail,
                'id_document_checked': id_document_checked, 'birth_mother': birth_mother,
                'problems': array_to_string(found, '; '), 'corrections': len(correction_refs),
                'date': local_date}) AS facts
FROM tiered
WHERE len(found) > 0
