{{ config(**monthly_slices_config()) }}
-- One row per person per month: the category and coverage recorded for every month run; a
-- rerun of a month replaces that month.
select * from {{ ref('int_person_categories') }}
