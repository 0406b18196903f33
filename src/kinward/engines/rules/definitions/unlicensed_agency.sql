-- Adoption agencies named on an adoption file or an adoption order whose licence was not valid on the filing
-- or decision date (no licence, outside valid_from..valid_to, or suspended/revoked on or before that date).
WITH uses AS (
    SELECT adoption_agency AS agency, filed_on AS day, 'adoption_files' AS type, ref
    FROM adoption_files WHERE adoption_agency IS NOT NULL
    UNION ALL
    SELECT adoption_agency, coalesce(decided_on, local_date), 'custody_events', ref
    FROM custody WHERE type = 'adoption_order' AND adoption_agency IS NOT NULL
), bad AS (
    SELECT u.*, a.ref IS NOT NULL AS known, a.kind, a.licence
    FROM uses u LEFT JOIN agencies a ON a.ref = u.agency
    WHERE NOT coalesce(licence_valid_on(a.licence, u.day), false)
      AND (NOT $scoped OR u.agency IN (SELECT ref FROM scope WHERE type = 'agencies'))
)
SELECT agency AS subject_ref,
       [{'type': 'agencies', 'ref': agency}] || list({'type': type, 'ref': ref} ORDER BY day, ref) AS evidence,
       to_json({'agency': agency, 'kind': coalesce(any_value(kind), 'unknown'),
                'known': bool_or(known), 'uses': count(*), 'first_day': min(day), 'last_day': max(day),
                'licence_number': any_value(licence.number), 'licence_status': any_value(licence.status),
                'valid_from': any_value(licence.valid_from), 'valid_to': any_value(licence.valid_to),
                'status_since': any_value(licence.status_since)}) AS facts
FROM bad GROUP BY agency
