#include "base/civil_date.h"

#include "gtest/gtest.h"

namespace hub {
namespace {

TEST(CivilDateTest, ParsesEveryPlanFormatToTheSameDay) {
  for (auto [text, format] :
       {std::pair{"2026-01-31", DateFormat::kIso}, std::pair{"01/31/2026", DateFormat::kUsSlash},
        std::pair{"1/31/2026", DateFormat::kUsSlash}, std::pair{"01-31-2026", DateFormat::kUsDash},
        std::pair{"20260131", DateFormat::kCompact}}) {
    auto date = CivilDate::Parse(text, format);
    ASSERT_TRUE(date.ok()) << text;
    EXPECT_EQ(date->ToIso(), "2026-01-31") << text;
  }
}

TEST(CivilDateTest, RejectsImpossibleAndMalformedDays) {
  EXPECT_FALSE(CivilDate::ParseIso("2026-02-29").ok());
  EXPECT_TRUE(CivilDate::ParseIso("2024-02-29").ok());
  EXPECT_FALSE(CivilDate::ParseIso("2026-13-01").ok());
  EXPECT_FALSE(CivilDate::ParseIso("2026-1-01").ok());
  EXPECT_FALSE(CivilDate::Parse("2026/01/31", DateFormat::kUsSlash).ok());
  EXPECT_FALSE(CivilDate::Parse("202601311", DateFormat::kCompact).ok());
  EXPECT_FALSE(CivilDate::Parse("", DateFormat::kCompact).ok());
}

TEST(CivilDateTest, ErrorNeverEchoesTheValue) {
  auto date = CivilDate::Parse("07/04/1961x", DateFormat::kUsSlash);
  ASSERT_FALSE(date.ok());
  EXPECT_EQ(date.status().message().find("1961"), absl::string_view::npos);
}

TEST(CivilDateTest, DayArithmeticRoundTrips) {
  auto d = CivilDate::ParseIso("2024-02-28").value();
  EXPECT_EQ(d.AddDays(1).ToIso(), "2024-02-29");
  EXPECT_EQ(d.AddDays(2).ToIso(), "2024-03-01");
  EXPECT_EQ(CivilDate::FromDaysSinceEpoch(0).ToIso(), "1970-01-01");
  for (int64_t n = -30000; n < 90000; n += 37) {
    EXPECT_EQ(CivilDate::FromDaysSinceEpoch(n).DaysSinceEpoch(), n);
  }
  EXPECT_LT(d, d.AddDays(1));
}

TEST(CivilDateTest, FormatsForExport) {
  auto d = CivilDate::ParseIso("2026-03-05").value();
  EXPECT_EQ(d.Format(DateFormat::kUsSlash), "03/05/2026");
  EXPECT_EQ(d.Format(DateFormat::kCompact), "20260305");
  EXPECT_EQ(ParseDateFormatName("yyyymmdd").value(), DateFormat::kCompact);
  EXPECT_FALSE(ParseDateFormatName("dd.mm.yy").ok());
}

TEST(CivilDateTest, MonthOfIsoDate) {
  EXPECT_EQ(MonthOfIsoDate("2026-10-31"), "2026-10");
  EXPECT_EQ(MonthOfIsoDate("10/31/2026"), "");
  EXPECT_EQ(MonthOfIsoDate("2026-13-01"), "");
}

}  // namespace

}  // namespace hub
