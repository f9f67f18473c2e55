-- One row per household per month: its head, its members and the strongest category among
-- them (a household is a 低保 household when a member is on 低保).
with members as (
    select
        pm.*,
        households.is_head,
        programmes.is_individual_dibao,
        case pm.category
            when 'tekun' then 1 when 'dibao' then 2 when 'marginal' then 3
            when 'expenditure_hardship' then 4 when 'other' then 5
        end as precedence
    from {{ ref('int_person_categories') }} as pm
    inner join {{ ref('int_person_households') }} as households using (person_key)
    inner join {{ ref('int_person_programmes') }} as programmes using (person_key)
)

select
    household_key,
    '{{ var("month") }}' as month,
    {{ value_at_min("person_key", ["case when is_head then 0 else 1 end", "person_key"]) }} as head_person_key,
    max(household_number) as household_number,
    max(county_code) as county_code,
    count(*) as members,
    count(*) filter (where death_date is null or death_date > {{ month_end() }}) as living_members,
    case min(precedence)
        when 1 then 'tekun' when 2 then 'dibao' when 3 then 'marginal'
        when 4 then 'expenditure_hardship' when 5 then 'other'
    end as category,
    bool_or(category = 'dibao') as has_dibao_member,
    -- on 低保 as a household, not a 单人保 member alone (the rest of the family is not covered)
    bool_or(category = 'dibao' and not is_individual_dibao) as has_household_dibao_member,
    bool_or(category = 'tekun') as has_tekun_member,
    bool_or(category = 'marginal') as has_marginal_member,
    bool_or(is_low_income) as is_low_income
from members
group by household_key
