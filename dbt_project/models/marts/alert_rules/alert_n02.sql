-- One row per member of a 低保边缘 household, not on 低保, with a disability of level 一级/二级 or
-- 三级 智力/精神, or a 重特大疾病 settlement in the look-back window: consider 单人保 (rule N02).
with disabled as (
    select records.person_key, '残联：' || {{ quoted('cards.disability_category') }} || '残疾' || cards.disability_level as reason
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_disability_cards') }} as cards using (record_id)
    where cards.card_status = '有效'
        and (cards.disability_level in ('一级', '二级')
            or (cards.disability_level = '三级' and cards.disability_category in ('智力', '精神')))
),

major_disease as (
    select records.person_key, '医保：' || {{ format_date('settlement.settlement_date', '%Y-%m-%d') }} || '重特大疾病结算' as reason
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
    where settlement.is_major_disease = '是'
        and settlement.settlement_date > {{ months_before_month_end('major_disease_lookback_months') }}
        and settlement.settlement_date <= {{ month_end() }}
),

reasons as (
    select * from disabled
    union all
    select * from major_disease
)

select
    'N02' as rule_id,
    reasons.person_key as subject_person_key,
    '低保边缘家庭成员，未纳入低保；' || {% call text_agg("'；'", distinct=true) %}reasons.reason{% endcall %} as evidence,
    cast(null as string) as level_override
from reasons
inner join {{ ref('int_person_categories') }} as pm using (person_key)
inner join {{ ref('int_household_categories') }} as hm using (household_key)
where hm.has_marginal_member
    and coalesce(pm.category not in ('dibao', 'tekun'), true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
group by reasons.person_key
