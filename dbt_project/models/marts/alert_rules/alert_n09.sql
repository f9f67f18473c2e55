-- One row per person alive at the month end whom another department already helps as poor (a
-- student recognised 特别困难 with a 资助项目, a 困难残疾人生活补贴 holder, the head of a household
-- whose C级 or D级 house is in renovation) in a household with no member in any of the five
-- low-income categories and none in rural monitoring (rule N09). A namesake in a category or in
-- rural monitoring whom linkage could not tell apart (one of the two has no valid ID number) may be
-- the same person: that is a linkage question, not this rule's.
with year_in_force as (
    -- the school year the 教育局 list holds (in September, last year's until the new list comes)
    select max(school_year) as school_year
    from {{ ref('stg_edu_students') }}
    where school_year <= {{ school_year() }}
),

helped as (
    select
        records.person_key,
        '教育局学生资助名单（' || students.school_year || '学年）：家庭经济困难认定特别困难，资助项目'
        || students.aid_programme as help
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_edu_students') }} as students using (record_id)
    inner join year_in_force using (school_year)
    where students.hardship_recognition = '特别困难'
        and students.aid_programme is not null
    union all
    select
        records.person_key,
        '残联持证残疾人信息：' || {{ quoted('cards.disability_category') }} || '残疾' || {{ quoted('cards.disability_level') }}
        || '，享受困难残疾人生活补贴'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    where cards.card_status = '有效' and cards.living_subsidy = '是'
    union all
    select
        records.person_key,
        '住建局房屋安全鉴定：' || houses.safety_grade || '，已纳入危房改造'
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_housing_safety') }} as houses using (record_id)
    where houses.safety_grade in ('C级', 'D级') and houses.included_in_renovation = '是'
),

monitored_households as (
    select distinct pm.household_key
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_rural_monitoring') }} as rural using (record_id)
    inner join {{ ref('int_person_categories') }} as pm using (person_key)
),

registered as (
    select pm.person_key, pm.person_name, people.has_valid_id
    from {{ ref('int_person_categories') }} as pm
    inner join {{ ref('int_people') }} as people using (person_key)
    left join monitored_households using (household_key)
    where pm.is_low_income or monitored_households.household_key is not null
),

-- helped people whom linkage could not tell apart from a registered namesake
unresolved_namesakes as (
    select distinct people.person_key
    from {{ ref('int_people') }} as people
    inner join registered
        on registered.person_name = people.person_name
        and registered.person_key <> people.person_key
    where not (coalesce(people.has_valid_id, false) and coalesce(registered.has_valid_id, false))
        and people.person_key in (select person_key from helped)
)

select
    'N09' as rule_id,
    helped.person_key as subject_person_key,
    {% call text_agg("'；'", distinct=true) %}helped.help{% endcall %}
    || '；家庭成员均不在特困、低保、低保边缘、支出型困难或其他低收入人口中，也不在防返贫监测名单中：应登记并评估'
    as evidence,
    cast(null as string) as level_override
from helped
inner join {{ ref('int_person_categories') }} as pm on pm.person_key = helped.person_key
inner join {{ ref('int_household_categories') }} as hm on hm.household_key = pm.household_key
left join monitored_households on monitored_households.household_key = pm.household_key
left join unresolved_namesakes on unresolved_namesakes.person_key = helped.person_key
where not coalesce(hm.is_low_income, false)
    and monitored_households.household_key is null
    and unresolved_namesakes.person_key is null
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
group by helped.person_key
