-- One row per person alive at the month end whose medical insurance is subsidised (资助参保) as
-- 特困人员, 低保对象 or 低保边缘 although the person was in that category, or a stronger one, neither
-- this month nor the previous month: never, or left more than one month ago (rule S09). A namesake
-- in the category whom linkage could not tell apart (one of the two has no valid ID number) may be
-- the same person: that is a linkage question (S08, P01), not this rule's.
with subsidised as (
    select
        records.person_key,
        medins.subsidy_category,
        case medins.subsidy_category when '特困人员' then 1 when '低保对象' then 2 when '低保边缘' then 3 end as named_rank
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_medins_enrollment') }} as medins using (record_id)
    where medins.enrolment_status = '正常参保'
        and medins.subsidy_category in ('特困人员', '低保对象', '低保边缘')
),

previous_month as (
    select person_key, category
    from {{ ref('person_month') }}
    where month = {{ previous_month() }}
),

-- an exit dated this month: the person left only this month even when the previous month was
-- not monitored (the first month run)
exited_this_month as (
    select records.person_key, min(case exits.former_programme when '特困' then 1 when '低保' then 2 end) as rank
    from {{ ref('int_person_records') }} as records
    inner join {{ ref('stg_civil_exits') }} as exits using (record_id)
    where exits.exit_date >= cast('{{ var("month") }}-01' as date)
        and exits.exit_date <= {{ month_end() }}
    group by records.person_key
),

-- the strongest category of a namesake whom linkage could not tell apart from the person
unresolved_namesakes as (
    select
        person.person_key,
        min(case namesake_pm.category when 'tekun' then 1 when 'dibao' then 2 when 'marginal' then 3 end) as rank
    from {{ ref('int_people') }} as person
    inner join {{ ref('int_people') }} as namesake
        on namesake.person_name = person.person_name
        and namesake.person_key <> person.person_key
    inner join {{ ref('int_person_categories') }} as namesake_pm on namesake_pm.person_key = namesake.person_key
    where not (coalesce(person.has_valid_id, false) and coalesce(namesake.has_valid_id, false))
        and person.person_key in (select person_key from subsidised)
    group by person.person_key
),

checked as (
    select
        subsidised.person_key,
        subsidised.subsidy_category,
        pm.category,
        previous_month.person_key is not null as was_monitored,
        previous_month.category as previous_category,
        -- the precedence of domain.md: tekun before dibao before marginal
        least(
            case pm.category when 'tekun' then 1 when 'dibao' then 2 when 'marginal' then 3 end,
            case previous_month.category when 'tekun' then 1 when 'dibao' then 2 when 'marginal' then 3 end,
            exited_this_month.rank,
            unresolved_namesakes.rank
        ) <= subsidised.named_rank as has_basis
    from subsidised
    inner join {{ ref('int_person_categories') }} as pm on pm.person_key = subsidised.person_key
    left join previous_month on previous_month.person_key = subsidised.person_key
    left join exited_this_month on exited_this_month.person_key = subsidised.person_key
    left join unresolved_namesakes on unresolved_namesakes.person_key = subsidised.person_key
    where pm.death_date is null or pm.death_date > {{ month_end() }}
)

select
    'S09' as rule_id,
    person_key as subject_person_key,
    '医保局参保信息：正常参保，资助参保类别' || {% call text_agg("'、'", distinct=true) %}subsidy_category{% endcall %}
    || '；本月' || case max(category)
        when 'tekun' then '为特困人员' when 'dibao' then '为低保对象' when 'marginal' then '为低保边缘'
        when 'expenditure_hardship' then '为支出型困难人口' when 'other' then '为其他低收入人口'
        else '不属于低收入人口'
    end || '，上月' || case
        when not bool_or(was_monitored) then '无监测记录'
        else case max(previous_category)
            when 'tekun' then '为特困人员' when 'dibao' then '为低保对象' when 'marginal' then '为低保边缘'
            when 'expenditure_hardship' then '为支出型困难人口' when 'other' then '为其他低收入人口'
            else '不属于低收入人口'
        end
    end || '：资助参保缺少依据' as evidence,
    cast(null as string) as level_override
from checked
where not coalesce(has_basis, false)
group by person_key
