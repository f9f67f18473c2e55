-- One row per person living alone, aged 60 or more, under 16, or with a disability of level
-- 一级/二级, who is not 特困 and has no pension or wage line with 人社 (rule N03).
with alone as (
    -- evidence of a one-person household: a roster of one member, or the latest visit,
    -- application or verification that counts one person
    select person_key, '低保花名册保障人数1人' as source
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保' and dibao.covered_members = 1
    union all
    select records.person_key, '入户走访家庭人口数1人'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_visits') }} as visits using (record_id)
    where visits.household_size = 1
    union all
    select records.person_key, '自主申报家庭人口数1人'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_applications') }} as applications using (record_id)
    where applications.household_size = 1
    union all
    select records.person_key, '家庭经济状况核对家庭人口数1人'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_verification') }} as verification using (record_id)
    where verification.household_size = 1
),

income_lines as (
    select records.person_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_hrss_insurance') }} as hrss using (record_id)
    where coalesce(hrss.monthly_pension, 0) > 0 or coalesce(hrss.monthly_contribution_base, 0) > 0
),

severe as (
    select records.person_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    where cards.card_status = '有效' and cards.disability_level in ('一级', '二级')
)

select
    'N03' as rule_id,
    pm.person_key as subject_person_key,
    string_agg(distinct alone.source, '；') || '；年龄' || max({{ age_at_month_end('pm.birth_date') }}) || '岁'
    || case when bool_or(severe.person_key is not null) then '，重度残疾' else '' end
    || '；人社局无养老金或工资缴费记录；未纳入特困供养' as evidence,
    cast(null as varchar) as level_override
from {{ ref('int_person_categories') }} as pm
inner join alone using (person_key)
left join severe using (person_key)
where coalesce(pm.category <> 'tekun', true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
    and ({{ age_at_month_end('pm.birth_date') }} >= {{ threshold('n03_elderly_age') }}
        or {{ age_at_month_end('pm.birth_date') }} < {{ threshold('n03_child_age') }}
        or severe.person_key is not null)
    and pm.person_key not in (select person_key from income_lines)
group by pm.person_key
