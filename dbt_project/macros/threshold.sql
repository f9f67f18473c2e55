{#- A configured threshold from the rule_thresholds seed (with its source beside it there). -#}
{% macro threshold(name) -%}
    (select value from {{ ref('rule_thresholds') }} where threshold_name = '{{ name }}')
{%- endmacro %}

{#- The start of a look-back window ending at the month end: D minus a configured number of
    days or months. -#}
{% macro days_before_month_end(threshold_name) -%}
    ({{ month_end() }} - cast({{ threshold(threshold_name) }} as integer))
{%- endmacro %}

{% macro months_before_month_end(threshold_name) -%}
    {{ add_months(month_end(), '-cast(' ~ threshold(threshold_name) ~ ' as integer)') }}
{%- endmacro %}

{#- Assets pass (domain.md): financial assets per person, properties, vehicles and business
    entities within the configured limits. `v` is a civil_verification row. -#}
{% macro assets_pass(v, standard) -%}
    (
        {{ v }}.financial_assets / nullif({{ v }}.household_size, 0)
            <= {{ threshold('assets_financial_months_of_standard') }} * {{ standard }}
        and {{ v }}.property_count <= {{ threshold('assets_max_properties') }}
        and {{ v }}.vehicle_count <= {{ threshold('assets_max_vehicles') }}
        and {{ v }}.business_count <= {{ threshold('assets_max_businesses') }}
    )
{%- endmacro %}
