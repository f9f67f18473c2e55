{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month = '{{ var('month') }}'{% endif %}"
) }}
-- One row per person per month: the category and coverage recorded for every month run; a
-- rerun of a month replaces that month.
select * from {{ ref('int_person_categories') }}
