-- One row per living person, not on tekun or dibao, heading a household not on 低保 as a household (a
-- 单人保 member or a 特困 person in the family leaves the others uncovered) whose latest verification in
-- the look-back window shows income per person below the 低保 standard and assets that pass (N01).
with verifications as (
    select
        records.person_key,
        verification.*,
        row_number() over (partition by records.person_key order by verification.completed_date desc, verification.verification_number desc) as recency
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    where verification.completed_date > {{ months_before_month_end('verification_lookback_months') }}
        and verification.completed_date <= {{ month_end() }}
)

select
    'N01' as rule_id,
    verifications.person_key as subject_person_key,
    '家庭经济状况核对（编号' || {{ quoted('verifications.verification_number') }} || '，' || {{ format_date('verifications.completed_date', '%Y-%m-%d') }} || '）：家庭年总收入'
    || verifications.household_income_annual || '元、' || verifications.household_size || '人，月人均'
    || cast(round(verifications.household_income_annual / verifications.household_size / 12, 2) as decimal(14, 2))
    || '元，低于低保标准' || pm.dibao_standard || '元；财产符合规定' as evidence,
    cast(null as string) as level_override
from verifications
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where verifications.recency = 1
    and not hm.has_household_dibao_member
    and coalesce(pm.category not in ('tekun', 'dibao'), true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
    and verifications.household_income_annual / nullif(verifications.household_size, 0) / 12 < pm.dibao_standard
    and {{ assets_pass('verifications', 'pm.dibao_standard') }}
