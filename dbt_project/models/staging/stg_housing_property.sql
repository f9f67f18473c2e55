-- One row for a person's property count, in the latest snapshot delivered up to the month.
with source as (
    {{ latest_snapshot(source('raw', 'housing_property')) }}
),

renamed as (
    select
        record_id,
        delivery_month,
        source_file,
        cast(source_row as integer) as source_row,
        person_name,
        id_number,
        id_number_status,
        id_number_raw,
        cast(property_count as integer) as property_count,
        cast(commercial_property_count as integer) as commercial_property_count,
        cast(last_transaction_date as date) as last_transaction_date,
        row_issues
    from source
)

select * from renamed
