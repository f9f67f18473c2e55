-- One row per 临时救助 grant with the person key of its recipient: what "no 临时救助 since"
-- is checked against.
select
    records.person_key,
    grants.grant_number,
    grants.approval_date
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_civil_temp_assistance') }} as grants using (record_id)
