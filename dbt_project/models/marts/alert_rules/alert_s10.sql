-- One row per active 低保 household (subject: its head) whose 月保障金额 exceeds the configured
-- multiple of the 低保 standard of its county and area times its 保障人数 (rule S10).
with rosters as (
    select
        records.person_key,
        dibao.county_code,
        dibao.household_number,
        case when dibao.area_type = '城市' then 'urban' else 'rural' end as area,
        dibao.household_monthly_benefit,
        dibao.covered_members
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_dibao') }} as dibao using (record_id)
    where dibao.roster_status = '在保'
),

standards as (
    select * from {{ ref('int_dibao_standards') }}
),

roster_households as (
    select
        hm.head_person_key,
        rosters.county_code,
        rosters.household_number,
        max(rosters.household_monthly_benefit) as benefit,
        max(rosters.covered_members) as covered_members,
        max(standards.monthly_standard_yuan) as monthly_standard_yuan
    from rosters
    inner join standards
        on standards.county_code = rosters.county_code
        and standards.area = rosters.area
    inner join {{ ref('int_person_categories') }} as pm on pm.person_key = rosters.person_key
    inner join {{ ref('int_household_categories') }} as hm using (household_key)
    group by hm.head_person_key, rosters.county_code, rosters.household_number
),

checked as (
    select
        *,
        -- the most the guarantee allows, in yuan to the fen: exactly the limit is not above it
        cast(round({{ threshold('s10_benefit_multiplier') }} * monthly_standard_yuan * covered_members, 2) as decimal(14, 2))
            as benefit_limit
    from roster_households
)

select
    'S10' as rule_id,
    head_person_key as subject_person_key,
    '低保花名册（户编号' || {{ quoted(value_at_max("household_number", ["benefit - benefit_limit", "coalesce(household_number, '')"])) }} || '，在保）：月保障金额'
    || {{ value_at_max("benefit", ["benefit - benefit_limit", "coalesce(household_number, '')"]) }} || '元，超过' || {{ threshold('s10_benefit_multiplier') }}
    || '×低保标准' || {{ value_at_max("monthly_standard_yuan", ["benefit - benefit_limit", "coalesce(household_number, '')"]) }} || '元×保障人数'
    || {{ value_at_max("covered_members", ["benefit - benefit_limit", "coalesce(household_number, '')"]) }} || '＝' || {{ value_at_max("benefit_limit", ["benefit - benefit_limit", "coalesce(household_number, '')"]) }} || '元'
    as evidence,
    cast(null as string) as level_override
from checked
where benefit > benefit_limit
group by head_person_key
