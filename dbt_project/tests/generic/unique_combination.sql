{% test unique_combination(model, columns) %}
-- rows sharing the same values in all of `columns`
select {{ columns | join(', ') }}, count(*) as duplicates
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
