-- One row per person who entered, left or changed low-income category between the previous
-- monitored month and this one (empty in the first month: there is nothing to compare with).
with this_month as (
    select person_key, category from {{ ref('person_month') }} where month = '{{ var("month") }}'
),

previous_month as (
    select person_key, category from {{ ref('person_month') }}
    where month = (select max(month) from {{ ref('person_month') }} where month < '{{ var("month") }}')
)

select
    coalesce(this_month.person_key, previous_month.person_key) as person_key,
    '{{ var("month") }}' as month,
    previous_month.category as previous_category,
    this_month.category,
    case when previous_month.category is not null then {{ category_label('previous_month.category') }} end
        as previous_category_label,
    case when this_month.category is not null then {{ category_label('this_month.category') }} end as category_label,
    case
        when previous_month.category is null then 'entered'
        when this_month.category is null then 'left'
        else 'changed'
    end as change
from this_month
full outer join previous_month using (person_key)
where this_month.category is distinct from previous_month.category
    and (select count(*) from previous_month) > 0
