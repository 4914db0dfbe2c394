-- Hand-written: which desks of a floor are taken between two instants (availability).
--
-- The exclusion constraints' GiST indexes lead with deskId or userId. Asked for a time
-- range alone, PostgreSQL walks them on their second column, which costs about 10 ms at
-- 100 000 reservations. A GiST index on the range alone, over the rows that hold a desk,
-- answers in well under a millisecond. It uses the two-argument tstzrange (default bounds
-- [), the same half-open range) so its expression differs from the constraints' and the
-- planner matches it only from the availability query in src/booking/availability.ts
-- (overlappingOnFloor), which spells the range the same way.
CREATE INDEX "Reservation_active_range_idx" ON "Reservation"
  USING gist (tstzrange("startsAt", "endsAt"))
  WHERE "status" IN ('BOOKED', 'CHECKED_IN');
