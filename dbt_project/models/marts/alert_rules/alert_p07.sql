-- One row per 特困 person active on the roster (在供) and alive at the month end whose 月基本生活费
-- is below the configured multiple of the 低保 standard of the roster's county and area (rule P07).
with tekun as (
    select
        records.person_key,
        tekun.county_code,
        case when tekun.area_type = '城市' then 'urban' else 'rural' end as area,
        tekun.area_type,
        tekun.monthly_basic_living
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_tekun') }} as tekun using (record_id)
    where tekun.roster_status = '在供'
),

standards as (
    select * from {{ ref('int_dibao_standards') }}
),

checked as (
    select
        tekun.person_key,
        tekun.area_type,
        tekun.monthly_basic_living,
        standards.monthly_standard_yuan,
        -- the basic living standard in yuan, to the fen: exactly 1.3 x S is not below it
        cast(round({{ threshold('tekun_standard_multiplier') }} * standards.monthly_standard_yuan, 2) as decimal(14, 2))
            as basic_living_standard
    from tekun
    inner join standards
        on standards.county_code = tekun.county_code
        and standards.area = tekun.area
    inner join {{ ref('int_person_categories') }} as pm on pm.person_key = tekun.person_key
    where pm.death_date is null or pm.death_date > {{ month_end() }}
)

select
    'P07' as rule_id,
    person_key as subject_person_key,
    '特困供养名册（在供，' || coalesce({{ value_at_min("area_type", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}, '城乡类别{{ missing_value() }}') || '）：月基本生活费'
    || min(monthly_basic_living) || '元，低于基本生活标准' || {{ value_at_min("basic_living_standard", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}
    || '元（' || {{ threshold('tekun_standard_multiplier') }} || '倍低保标准' || {{ value_at_min("monthly_standard_yuan", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}
    || '元）' as evidence,
    cast(null as string) as level_override
from checked
where monthly_basic_living < basic_living_standard
group by person_key
