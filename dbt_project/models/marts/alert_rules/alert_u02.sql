-- One row per living person not on 特困 with an inpatient settlement for a 重特大疾病 or with
-- out-of-pocket costs at the configured amount, that counted when it was delivered (in the
-- look-back window, or delivered late within the bound: macro emergency_raised), and no 临时救助
-- to the household since (rule U02; 红 for a low-income person, 橙 otherwise).
-- It stays raised, month after month, until a 临时救助 reaches the household or the county
-- disposes of it: an unanswered emergency is never 已解除.
with settlements as (
    select records.person_key, settlement.*
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
    where settlement.visit_type = '住院'
        and {{ emergency_raised('settlement.settlement_date', 'settlement.delivery_month', 'u02_settlement_lookback_days') }}
        and (settlement.is_major_disease = '是'
            or settlement.out_of_pocket >= {{ threshold('u02_out_of_pocket_yuan') }})
)

select
    'U02' as rule_id,
    settlements.person_key as subject_person_key,
    '医保结算明细：' || {% call text_agg("'；'", order_by=['settlements.settlement_date']) %}'流水号' || {{ quoted('settlements.settlement_number') }} || '，'
        || {{ format_date('settlements.settlement_date', '%Y-%m-%d') }} || '住院'
        || case when settlements.is_major_disease = '是' then '（重特大疾病）' else '' end
        || '，个人自付' || {{ quoted('settlements.out_of_pocket', '元') }}{% endcall %}
    || '；此后家庭无临时救助记录' as evidence,
    case when bool_or(pm.is_low_income) then '红' end as level_override
from settlements
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where coalesce(pm.category <> 'tekun', true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
    and {{ no_temp_assistance_since('pm.household_key', 'settlements.settlement_date') }}
group by settlements.person_key
