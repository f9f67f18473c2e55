-- One row per 低保 household whose latest verification shows a motor vehicle or a business
-- entity (rule S07).
with verifications as (
    select
        hm.head_person_key,
        verification.*,
        row_number() over (partition by hm.household_key order by verification.completed_date desc) as recency
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    inner join {{ ref('int_person_categories') }} as pm using (person_key)
    inner join {{ ref('int_household_categories') }} as hm using (household_key)
    where hm.has_dibao_member and verification.completed_date <= {{ month_end() }}
)

select
    'S07' as rule_id,
    head_person_key as subject_person_key,
    '家庭经济状况核对（编号' || verification_number || '，' || strftime(completed_date, '%Y-%m-%d') || '）：机动车辆' || vehicle_count || '辆，经营实体'
    || business_count || '个' as evidence,
    cast(null as varchar) as level_override
from verifications
where recency = 1 and (vehicle_count >= 1 or business_count >= 1)
