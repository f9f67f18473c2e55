-- One row per living person whose latest exit from 低保 or 特困 within the look-back window was
-- for a reason other than death or moving away, with income at exit under 1.5 x S, and who is not
-- on 低保, 特困 or 低保边缘 now (rule N07).
with latest_exits as (
    select
        records.person_key,
        exits.*,
        row_number() over (partition by records.person_key order by exits.exit_date desc, record_id desc) as recency
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_exits') }} as exits using (record_id)
    where exits.exit_date > {{ months_before_month_end('exit_lookback_months') }}
        and exits.exit_date <= {{ month_end() }}
)

select
    'N07' as rule_id,
    exits.person_key as subject_person_key,
    '退出人员名单：' || {{ format_date('exits.exit_date', '%Y-%m-%d') }} || '退出' || {{ quoted('exits.former_programme') }}
    || '（' || exits.exit_reason || '），退出时家庭月人均收入' || exits.income_per_person_at_exit
    || '元，低于' || {{ threshold('marginal_income_multiplier') }} || '倍低保标准' || pm.dibao_standard || '元'
    as evidence,
    cast(null as string) as level_override
from latest_exits as exits
inner join {{ ref('int_person_categories') }} as pm using (person_key)
where exits.recency = 1
    and exits.exit_reason not in ('死亡', '迁出')
    and exits.income_per_person_at_exit < {{ threshold('marginal_income_multiplier') }} * pm.dibao_standard
    and coalesce(pm.category not in ('tekun', 'dibao', 'marginal'), true)
    and (pm.death_date is null or pm.death_date > {{ month_end() }})
