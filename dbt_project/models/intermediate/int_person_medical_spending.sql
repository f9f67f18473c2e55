-- One row per person with medical settlements in the look-back window: what they paid out of
-- pocket over it, how many settlements that was, and the settlements an officer needs to find
-- them again at 医保局 (结算编号, 定点医疗机构 and 个人自付 of each, by date: issue 25, item 10).
select
    records.person_key,
    sum(settlement.out_of_pocket) as out_of_pocket,
    count(*) as settlements,
    {% call text_agg("'；'", order_by=['settlement.settlement_date', 'settlement.settlement_number']) %}'结算编号' || {{ quoted('settlement.settlement_number') }} || '（' || {{ quoted('settlement.institution') }} || '，个人自付' || {{ quoted('settlement.out_of_pocket', '元') }} || '）'{% endcall %} as settlement_details
from {{ ref('int_person_records') }} as records
inner join {{ ref('stg_medins_settlements') }} as settlement using (record_id)
where settlement.settlement_date > {{ months_before_month_end('medical_lookback_months') }}
    and settlement.settlement_date <= {{ month_end() }}
group by records.person_key
