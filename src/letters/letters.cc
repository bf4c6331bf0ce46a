#include "letters/letters.h"

#include <hpdf.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <memory>
#include <string_view>
#include <type_traits>
#include <utility>

#include "letters/cp1252.h"
#include "letters/letter_texts.h"

namespace volmacht {
namespace {

using letters_internal::Utf8ToCp1252;

// Geometry in PDF points (1/72 inch); y grows upwards from the bottom edge.
constexpr float kMm = 72.0f / 25.4f;
constexpr float kPageWidth = 210.0f * kMm;
constexpr float kPageHeight = 297.0f * kMm;
constexpr float kLeft = 22.0f * kMm;  // envelope window (left) and text column
constexpr float kRight = kPageWidth - 20.0f * kMm;
constexpr float kTextWidth = kRight - kLeft;
constexpr float kWindowWidth = 85.0f * kMm;
constexpr float kLabelWidth = 22.0f * kMm;  // "Datum" / "Betreft" column
constexpr float kFooterBaseline = 12.0f * kMm;
constexpr float kFooterLeading = 9.0f;
constexpr float kContinuationTop = 25.0f * kMm;  // body start on pages after the first

constexpr float kBodySize = 10.0f;
constexpr float kBodyLeading = 14.0f;
constexpr float kParagraphGap = 7.0f;
constexpr float kSmallSize = 7.5f;
constexpr float kCodeSize = 22.0f;

// A reference is an id; anything this long is a caller bug and would eat the page.
constexpr size_t kMaxReferenceBytes = 200;
// Our letters take one or two pages; far more means a caller bug, not a letter to post.
constexpr size_t kMaxPages = 20;

constexpr std::string_view kSender = "volmacht \u2014 Machtigingsdienst";
constexpr std::string_view kSenderAddress[] = {"Postbus 10000", "2500 AA  Den Haag"};
constexpr std::string_view kReturnAddress = "Retouradres Postbus 10000, 2500 AA  Den Haag";

struct Rgb {
  float r, g, b;
};
constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kGrey{0.35f, 0.35f, 0.35f};
constexpr Rgb kRibbonBlue{0x15 / 255.0f, 0x42 / 255.0f, 0x73 / 255.0f};

enum FontId { kRegular = 0, kBold = 1, kMono = 2, kFontCount = 3 };
constexpr std::array<const char*, kFontCount> kFontNames = {"Helvetica", "Helvetica-Bold",
                                                            "Courier-Bold"};

// Advance widths of each CP1252 byte, in 1/1000 em, taken from libharu's font metrics once
// per font so that measuring a line is a sum and wrapping stays linear in the text length.
struct Metrics {
  std::array<std::array<float, 256>, kFontCount> widths{};

  float Width(FontId font, float size, std::string_view text) const {
    float units = 0;
    for (char c : text) units += widths[font][static_cast<unsigned char>(c)];
    return units * size / 1000.0f;
  }
};

struct TextItem {
  FontId font;
  float size;
  float x;
  float y;  // baseline
  Rgb color;
  std::string text;  // CP1252
};

struct RectItem {
  float x, y, w, h;
  bool fill;
  Rgb color;
};

struct PageLayout {
  std::vector<TextItem> texts;
  std::vector<RectItem> rects;
};

// Greedy word wrap of CP1252 text into lines no wider than max_width. Lines break at spaces
// only (so a no-break space, 0xA0, keeps "13 december 2026" together); '\n' forces a break;
// a word wider than the line is cut between characters (every line holds at least one
// character, so this always terminates).
std::vector<std::string> Wrap(const Metrics& m, FontId font, float size, std::string_view text,
                              float max_width) {
  std::vector<std::string> lines;
  size_t seg_start = 0;
  while (true) {
    const size_t nl = text.find('\n', seg_start);
    const std::string_view segment = text.substr(
        seg_start, nl == std::string_view::npos ? std::string_view::npos : nl - seg_start);
    std::string line;
    float line_width = 0;
    const float space = m.Width(font, size, " ");
    size_t pos = 0;
    while (pos < segment.size()) {
      if (segment[pos] == ' ') {
        ++pos;
        continue;
      }
      size_t end = segment.find(' ', pos);
      if (end == std::string_view::npos) end = segment.size();
      std::string_view word = segment.substr(pos, end - pos);
      pos = end;
      const float word_width = m.Width(font, size, word);
      if (!line.empty() && line_width + space + word_width <= max_width) {
        line += ' ';
        line += word;
        line_width += space + word_width;
        continue;
      }
      if (!line.empty()) lines.push_back(std::exchange(line, {}));
      line_width = 0;
      // Start the word on a fresh line, cutting it while it does not fit.
      for (char c : word) {
        const float w = m.Width(font, size, std::string_view(&c, 1));
        if (!line.empty() && line_width + w > max_width) {
          lines.push_back(std::exchange(line, {}));
          line_width = 0;
        }
        line += c;
        line_width += w;
      }
    }
    lines.push_back(std::move(line));
    if (nl == std::string_view::npos) break;
    seg_start = nl + 1;
  }
  return lines;
}

// Lays out the letter body on as many pages as it needs. Footers are added when drawing,
// once the page count is known.
class Layouter {
 public:
  Layouter(const Metrics& m, float body_bottom) : m_(m), body_bottom_(body_bottom) {
    pages_.emplace_back();
  }

  PageLayout& page() { return pages_.back(); }
  std::vector<PageLayout> TakePages() { return std::move(pages_); }
  float y() const { return y_; }
  void set_y(float y) { y_ = y; }

  void Text(FontId font, float size, float x, float y, Rgb color, std::string text) {
    page().texts.push_back({font, size, x, y, color, std::move(text)});
  }
  void TextRight(FontId font, float size, float right, float y, Rgb color, std::string text) {
    const float x = right - m_.Width(font, size, text);
    Text(font, size, x, y, color, std::move(text));
  }

  // Makes room for `height` points below the cursor, starting a new page when needed.
  void Reserve(float height) {
    if (y_ - height >= body_bottom_ || y_ >= kPageHeight - kContinuationTop) return;
    pages_.emplace_back();
    y_ = kPageHeight - kContinuationTop;
  }

  // One paragraph of body text; breaks across pages between lines.
  void Paragraph(std::string_view text) {
    for (std::string& line : Wrap(m_, kRegular, kBodySize, text, kTextWidth)) {
      Reserve(kBodyLeading);
      y_ -= kBodyLeading;
      Text(kRegular, kBodySize, kLeft, y_ + (kBodyLeading - kBodySize), kBlack, std::move(line));
    }
    y_ -= kParagraphGap;
  }

 private:
  const Metrics& m_;
  float body_bottom_;
  float y_ = kPageHeight;
  std::vector<PageLayout> pages_;
};

float FromTop(float mm) { return kPageHeight - mm * kMm; }

void LayoutHeader(Layouter& l) {
  // The Rijkshuisstijl ribbon: a vertical bar centred on the top edge.
  l.page().rects.push_back(
      {kPageWidth / 2 - 5 * kMm, FromTop(24), 10 * kMm, 24 * kMm, true, kRibbonBlue});
  l.TextRight(kBold, 9.5f, kRight, FromTop(16), kBlack, Utf8ToCp1252(kSender));
  float y = FromTop(21);
  for (std::string_view line : kSenderAddress) {
    l.TextRight(kRegular, kSmallSize, kRight, y, kGrey, Utf8ToCp1252(line));
    y -= kSmallSize + 2;
  }
}

void LayoutAddress(const Metrics& m, Layouter& l, const LetterContent& c) {
  l.Text(kRegular, 6.5f, kLeft, FromTop(44), kGrey, Utf8ToCp1252(kReturnAddress));
  float y = FromTop(50) - kBodySize;
  const auto add = [&](std::string_view utf8) {
    for (std::string& line : Wrap(m, kRegular, kBodySize, Utf8ToCp1252(utf8), kWindowWidth)) {
      l.Text(kRegular, kBodySize, kLeft, y, kBlack, std::move(line));
      y -= 12.5f;
    }
  };
  add(c.recipient_name);
  for (const std::string& line : c.address_lines) add(line);
  // Normally the date block sits below the window; a very long address pushes it down.
  l.set_y(std::min(FromTop(95), y));
}

void LayoutDateAndSubject(const Metrics& m, Layouter& l, const LetterContent& c) {
  float y = l.y() - kBodyLeading;
  l.Text(kRegular, kSmallSize, kLeft, y, kGrey, "Datum");
  l.Text(kRegular, kBodySize, kLeft + kLabelWidth, y, kBlack, FormatDutchDate(c.date));
  y -= kBodyLeading;
  l.Text(kRegular, kSmallSize, kLeft, y, kGrey, "Betreft");
  for (std::string& line :
       Wrap(m, kBold, kBodySize, Utf8ToCp1252(c.subject), kTextWidth - kLabelWidth)) {
    l.Text(kBold, kBodySize, kLeft + kLabelWidth, y, kBlack, std::move(line));
    y -= kBodyLeading;
  }
  l.set_y(y - 10 * kMm);
}

void LayoutCodeBox(const Metrics& m, Layouter& l, const std::string& code) {
  constexpr float kPad = 6 * kMm;
  constexpr float kLabelSize = 9;
  constexpr float kCodeLeading = kCodeSize * 1.2f;
  const std::vector<std::string> lines =
      Wrap(m, kMono, kCodeSize, Utf8ToCp1252(code), kTextWidth - 2 * kPad);
  float widest = 0;
  for (const std::string& line : lines) widest = std::max(widest, m.Width(kMono, kCodeSize, line));
  const float w = std::max(90 * kMm, widest + 2 * kPad);
  const float h = kPad + kLabelSize + 6 + kCodeLeading * static_cast<float>(lines.size()) + kPad;
  l.Reserve(h);
  const float top = l.y();
  l.page().rects.push_back({kLeft, top - h, w, h, false, kBlack});
  float y = top - kPad - kLabelSize;
  l.Text(kRegular, kLabelSize, kLeft + kPad, y, kGrey, "Uw machtigingscode");
  y -= 6;
  for (const std::string& line : lines) {
    y -= kCodeLeading;
    l.Text(kMono, kCodeSize, kLeft + kPad, y + (kCodeLeading - kCodeSize), kBlack, line);
  }
  l.set_y(top - h - 8 * kMm);
}

// Collects libharu errors instead of the default longjmp/abort behaviour. One per call.
struct HpdfErrors {
  HPDF_STATUS error_no = HPDF_OK;
  HPDF_STATUS detail_no = 0;

  static void HPDF_STDCALL Handler(HPDF_STATUS error_no, HPDF_STATUS detail_no, void* data) {
    auto* self = static_cast<HpdfErrors*>(data);
    if (self->error_no == HPDF_OK) {
      self->error_no = error_no;
      self->detail_no = detail_no;
    }
  }
  bool failed() const { return error_no != HPDF_OK; }
  Error ToError(std::string_view stage) const {
    char buf[96];
    std::snprintf(buf, sizeof buf, "PDF rendering failed at %.*s (libharu error 0x%04X/%u)",
                  static_cast<int>(stage.size()), stage.data(), static_cast<unsigned>(error_no),
                  static_cast<unsigned>(detail_no));
    return Error::Internal(buf);
  }
};

struct DocDeleter {
  void operator()(HPDF_Doc doc) const { HPDF_Free(doc); }
};
using DocPtr = std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, DocDeleter>;

void DrawText(HPDF_Page page, const std::array<HPDF_Font, kFontCount>& fonts, const TextItem& t) {
  if (t.text.empty()) return;
  // CP1252 0xA0 (no-break space) only steers Wrap; draw it as a plain space so that text
  // extraction and copy-paste see ordinary spaces.
  std::string text = t.text;
  std::replace(text.begin(), text.end(), '\xA0', ' ');
  HPDF_Page_SetRGBFill(page, t.color.r, t.color.g, t.color.b);
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, fonts[t.font], t.size);
  HPDF_Page_TextOut(page, t.x, t.y, text.c_str());
  HPDF_Page_EndText(page);
}

void DrawRect(HPDF_Page page, const RectItem& r) {
  if (r.fill) {
    HPDF_Page_SetRGBFill(page, r.color.r, r.color.g, r.color.b);
    HPDF_Page_Rectangle(page, r.x, r.y, r.w, r.h);
    HPDF_Page_Fill(page);
  } else {
    HPDF_Page_SetRGBStroke(page, r.color.r, r.color.g, r.color.b);
    HPDF_Page_SetLineWidth(page, 1.2f);
    HPDF_Page_Rectangle(page, r.x, r.y, r.w, r.h);
    HPDF_Page_Stroke(page);
  }
}

}  // namespace

Result<std::string> RenderLetterPdf(const LetterContent& content) {
  if (!content.date.ok()) return Fail(Error::Internal("letter date is not a valid date"));
  if (content.reference.size() > kMaxReferenceBytes) {
    return Fail(Error::Internal("letter reference is too long"));
  }

  HpdfErrors errors;
  DocPtr doc(HPDF_New(&HpdfErrors::Handler, &errors));
  if (!doc) return Fail(Error::Internal("PDF rendering failed: cannot create document"));
  HPDF_Doc pdf = doc.get();

  HPDF_SetCompressionMode(pdf, HPDF_COMP_ALL);
  // The letter date, not the wall clock: the same content renders to the same bytes.
  HPDF_Date created{};
  created.year = static_cast<int>(content.date.year());
  created.month = static_cast<int>(static_cast<unsigned>(content.date.month()));
  created.day = static_cast<int>(static_cast<unsigned>(content.date.day()));
  created.ind = ' ';
  HPDF_SetInfoDateAttr(pdf, HPDF_INFO_CREATION_DATE, created);
  HPDF_SetInfoAttr(pdf, HPDF_INFO_CREATOR, "volmacht");

  std::array<HPDF_Font, kFontCount> fonts{};
  Metrics metrics;
  for (int f = 0; f < kFontCount; ++f) {
    fonts[f] = HPDF_GetFont(pdf, kFontNames[f], "WinAnsiEncoding");
    if (fonts[f] == nullptr) break;
    for (int b = 1; b < 256; ++b) {
      const auto byte = static_cast<HPDF_BYTE>(b);
      metrics.widths[f][b] = HPDF_Font_TextWidth(fonts[f], &byte, 1).width;
    }
  }
  if (errors.failed()) return Fail(errors.ToError("setup"));

  // Footer: the reference (small) left, page number right, a rule above.
  std::vector<std::string> reference_lines;
  if (!content.reference.empty()) {
    reference_lines = Wrap(metrics, kRegular, kSmallSize,
                           Utf8ToCp1252("Kenmerk " + content.reference), kTextWidth - 30 * kMm);
  }
  const float footer_top =
      kFooterBaseline +
      kFooterLeading * static_cast<float>(std::max<size_t>(reference_lines.size(), 1) - 1) +
      kSmallSize + 4;
  const float body_bottom = footer_top + 6 * kMm;

  Layouter layout(metrics, body_bottom);
  LayoutHeader(layout);
  LayoutAddress(metrics, layout, content);
  LayoutDateAndSubject(metrics, layout, content);
  if (!content.code.empty()) LayoutCodeBox(metrics, layout, content.code);
  for (const std::string& paragraph : content.paragraphs) {
    layout.Paragraph(Utf8ToCp1252(paragraph, /*keep_newlines=*/true));
  }
  const std::vector<PageLayout> pages = layout.TakePages();
  if (pages.size() > kMaxPages) {
    return Fail(
        Error::Internal("letter text does not fit in " + std::to_string(kMaxPages) + " pages"));
  }

  for (size_t i = 0; i < pages.size() && !errors.failed(); ++i) {
    HPDF_Page page = HPDF_AddPage(pdf);
    if (page == nullptr) break;
    HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
    for (const RectItem& r : pages[i].rects) DrawRect(page, r);
    for (const TextItem& t : pages[i].texts) DrawText(page, fonts, t);

    HPDF_Page_SetRGBStroke(page, kGrey.r, kGrey.g, kGrey.b);
    HPDF_Page_SetLineWidth(page, 0.5f);
    HPDF_Page_MoveTo(page, kLeft, footer_top);
    HPDF_Page_LineTo(page, kRight, footer_top);
    HPDF_Page_Stroke(page);
    float y = footer_top - 4 - kSmallSize;
    for (const std::string& line : reference_lines) {
      DrawText(page, fonts, {kRegular, kSmallSize, kLeft, y, kGrey, line});
      y -= kFooterLeading;
    }
    std::string page_label =
        "Pagina " + std::to_string(i + 1) + " van " + std::to_string(pages.size());
    const float label_x = kRight - metrics.Width(kRegular, kSmallSize, page_label);
    DrawText(page, fonts,
             {kRegular, kSmallSize, label_x, footer_top - 4 - kSmallSize, kGrey, page_label});
  }
  if (errors.failed()) return Fail(errors.ToError("drawing"));

  if (HPDF_SaveToStream(pdf) != HPDF_OK || errors.failed()) {
    return Fail(errors.ToError("saving"));
  }
  HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
  std::string out(size, '\0');
  HPDF_ResetStream(pdf);
  HPDF_UINT32 read = size;
  const HPDF_STATUS status =
      HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(out.data()), &read);
  // Reading exactly to the end may report HPDF_STREAM_EOF; only a short read is a failure.
  if ((status != HPDF_OK && status != HPDF_STREAM_EOF) || read != size || size == 0) {
    return Fail(Error::Internal("PDF rendering failed: cannot read the rendered document"));
  }
  return out;
}

}  // namespace volmacht
