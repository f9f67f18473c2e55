-- One row per 特困 person active on the roster (在供) and alive at the month end whose 救助供养标准
-- is not met (rule P07). The standard has two parts (国发〔2016〕14号): the 基本生活标准, 月基本生活费
-- not below the configured multiple of the 低保 standard of the roster's county and area; and the
-- 照料护理标准, set by 生活自理能力 — a person who has lost self-care (部分丧失 / 完全丧失, the
-- roster's codes for 半护理 / 全护理) with no 月照料护理费 (0 or blank) has not got it (issue 25,
-- item 7). Linfen's care figures per tier are not loaded: any care paid passes.
with tekun as (
    select
        records.person_key,
        tekun.county_code,
        case when tekun.area_type = '城市' then 'urban' else 'rural' end as area,
        tekun.area_type,
        tekun.monthly_basic_living,
        tekun.self_care_ability,
        tekun.monthly_care
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_tekun') }} as tekun using (record_id)
    where tekun.roster_status = '在供'
),

living as (
    select tekun.*
    from tekun
    inner join {{ ref('int_person_categories') }} as pm on pm.person_key = tekun.person_key
    where pm.death_date is null or pm.death_date > {{ month_end() }}
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
    from living as tekun
    inner join standards
        on standards.county_code = tekun.county_code
        and standards.area = tekun.area
),

basic_living_short as (
    select
        person_key,
        '特困供养名册（在供，' || coalesce({{ value_at_min("area_type", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}, '城乡类别{{ missing_value() }}') || '）：月基本生活费'
    || min(monthly_basic_living) || '元，低于基本生活标准' || {{ value_at_min("basic_living_standard", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}
    || '元（' || {{ threshold('tekun_standard_multiplier') }} || '倍低保标准' || {{ value_at_min("monthly_standard_yuan", ["monthly_basic_living", "coalesce(area_type, '')", "basic_living_standard"]) }}
    || '元）' as evidence
    from checked
    where monthly_basic_living < basic_living_standard
    group by person_key
),

care_missing as (
    select
        person_key,
        '生活自理能力' || {{ value_at_min("self_care_ability", ["case when self_care_ability = '完全丧失' then 0 else 1 end", "self_care_ability"]) }}
        || '，月照料护理费' || {{ quoted('min(monthly_care)', '元') }}
        || '，未落实照料护理标准（国发〔2016〕14号：特困人员救助供养标准包括基本生活标准和照料护理标准，照料护理标准按生活自理能力分档）'
            as evidence
    from living
    where self_care_ability in ('部分丧失', '完全丧失')
        and coalesce(monthly_care, 0) <= 0
    group by person_key
)

select
    'P07' as rule_id,
    coalesce(basic_living_short.person_key, care_missing.person_key) as subject_person_key,
    -- the 基本生活 part reads as before; the care part follows it, or stands alone
    case
        when basic_living_short.person_key is null then '特困供养名册（在供）：' || care_missing.evidence
        else concat_ws('；', basic_living_short.evidence, care_missing.evidence)
    end as evidence,
    cast(null as string) as level_override
from basic_living_short
full outer join care_missing on care_missing.person_key = basic_living_short.person_key
