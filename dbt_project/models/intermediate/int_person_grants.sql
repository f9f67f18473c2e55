-- One row per 临时救助 grant with the person key of its recipient and the recipient's household:
-- what "no 临时救助 since" is checked against (a grant goes to one applicant for the household).
select
    records.person_key,
    households.household_key,
    grants.grant_number,
    grants.approval_date
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_civil_temp_assistance') }} as grants using (record_id)
inner join {{ ref('int_person_households') }} as households using (person_key)
