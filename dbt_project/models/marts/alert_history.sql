{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{% if is_incremental() %}delete from {{ this }} where month = '{{ var('month') }}'{% endif %}"
) }}
-- One row per alert per month in which it was raised; a rerun of a month replaces that month.
select * from {{ ref('alerts_raised') }}
