-- One row per 低保 unit (an active roster household; a 单人保 member alone) whose latest
-- verification, of a household headed by one of the unit's members, shows the configured number
-- of motor vehicles or business entities (rule S07). Subject: the verified head.
with unit_members as (
    select distinct records.person_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保' and dibao.is_individual_dibao is distinct from '是'
),

verifications as (
    select
        records.person_key,
        verification.*,
        row_number() over (partition by records.person_key order by verification.completed_date desc, verification.verification_number desc) as recency
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    inner join unit_members using (person_key)
    where verification.completed_date <= {{ month_end() }}
)

select
    'S07' as rule_id,
    person_key as subject_person_key,
    '家庭经济状况核对（编号' || {{ quoted('verification_number') }} || '，' || {{ format_date('completed_date', '%Y-%m-%d') }} || '）：机动车辆'
    || {{ quoted('vehicle_count', '辆') }} || '，经营实体' || {{ quoted('business_count', '个') }} as evidence,
    cast(null as string) as level_override
from verifications
where recency = 1
    and (vehicle_count >= {{ threshold('s07_vehicles_min') }} or business_count >= {{ threshold('s07_businesses_min') }})
