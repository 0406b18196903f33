-- Adoption files whose story does not fit the registry: the child is unknown, the stated birth mother,
-- facility or date differ from the birth record, the birth is recorded after the filing, a listed birth
-- certificate belongs to another child, a court order number matches no adoption order of the child, or
-- (for a file naming no child) the registry holds no birth of the stated mother at the stated facility on the
-- stated date within its coverage.
WITH f AS (
    SELECT * FROM adoption_files
    WHERE NOT $scoped OR ref IN (SELECT ref FROM scope WHERE type = 'adoption_files')
), doc_problems AS (
    SELECT f.ref,
           list(CASE
                WHEN d.type = 'birth_certificate' AND d.certificate IS NOT NULL AND c.ref IS NULL
                  THEN 'listed birth certificate ' || d.certificate || ' is not in the registry'
                WHEN d.type = 'birth_certificate' AND c.ref IS NOT NULL AND c.child IS DISTINCT FROM f.child
                  THEN 'listed birth certificate ' || d.certificate || ' belongs to another child'
                WHEN d.type = 'court_order' AND f.child IN (SELECT ref FROM birth) AND NOT EXISTS (
                    SELECT 1 FROM custody o WHERE o.type = 'adoption_order' AND o.child = f.child
                      AND o.decision_number = d.number)
                  THEN 'court order ' || coalesce(d.number, '?') || ' is no adoption order of the child'
                END) AS found,
           list(c.ref) FILTER (WHERE c.ref IS NOT NULL) AS certificates
    FROM f, unnest(coalesce(f.documents, [])) AS t(d)
    LEFT JOIN certificates c ON c.ref = d.certificate
    GROUP BY f.ref
), checked AS (
    SELECT f.ref, f.child, f.adoption_agency, f.stated_birth_mother, f.stated_birth_facility,
           f.stated_birth_date, f.filed_on, b.facility AS birth_facility, b.mother AS birth_mother,
           b.local_date AS birth_date, coalesce(dp.certificates, []) AS certificates,
           list_filter([
             CASE WHEN f.child IS NOT NULL AND b.ref IS NULL THEN 'names a child the registry does not hold' END,
             CASE WHEN b.ref IS NOT NULL AND f.stated_birth_mother IS NOT NULL
                   AND coalesce(sm.woman, 'ref:' || f.stated_birth_mother) IS DISTINCT FROM b.woman
                  THEN 'stated birth mother is not the registered mother' END,
             CASE WHEN b.ref IS NOT NULL AND f.stated_birth_facility IS DISTINCT FROM b.facility
                   AND f.stated_birth_facility IS NOT NULL
                  THEN 'stated birth facility is not the facility of the birth record' END,
             CASE WHEN b.ref IS NOT NULL AND abs(f.stated_birth_date - b.local_date) > $date_tolerance_days
                  THEN 'stated birth date differs from the birth record' END,
             CASE WHEN b.ref IS NOT NULL AND b.outcome = 'still' THEN 'the birth record is a stillbirth' END,
             CASE WHEN b.ref IS NOT NULL AND b.local_date > f.filed_on
                  THEN 'the birth is recorded as after the filing' END,
             CASE WHEN f.child IS NULL AND f.stated_birth_facility IN (
                     SELECT ref FROM agencies WHERE kind IN ('public_hospital', 'private_clinic', 'maternity_home'))
                   AND f.stated_birth_date >= (SELECT coverage_day FROM meta) AND NOT EXISTS (
                     SELECT 1 FROM birth x WHERE x.facility = f.stated_birth_facility
                       AND abs(x.local_date - f.stated_birth_date) <= $date_tolerance_days
                       AND (f.stated_birth_mother IS NULL
                            OR x.woman = coalesce(sm.woman, 'ref:' || f.stated_birth_mother)))
                  THEN 'the registry holds no such birth at the stated facility' END
           ] || coalesce(list_filter(dp.found, lambda x: x IS NOT NULL), []), lambda x: x IS NOT NULL) AS found
    FROM f
    LEFT JOIN birth b ON b.ref = f.child
    LEFT JOIN person_identity sm ON sm.ref = f.stated_birth_mother
    LEFT JOIN doc_problems dp ON dp.ref = f.ref
)
SELECT ref AS subject_ref,
       [{'type': 'adoption_files', 'ref': ref}] || ref_list('births', [child])
         || ref_list('persons', [stated_birth_mother, birth_mother])
         || ref_list('certificates', certificates) AS evidence,
       to_json({'file': ref, 'child': child, 'adoption_agency': adoption_agency,
                'stated_birth_mother': stated_birth_mother, 'birth_mother': birth_mother,
                'stated_birth_facility': stated_birth_facility,
                'facility': coalesce(birth_facility, stated_birth_facility),
                'stated_birth_date': stated_birth_date, 'birth_date': birth_date, 'filed_on': filed_on,
                'problems': array_to_string(found, '; ')}) AS facts
FROM checked
WHERE len(found) > 0
