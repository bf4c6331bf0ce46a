// The outbox as use cases: the letters waiting to be printed and posted, for an operator
// (`volmacht outbox`). Letters carry names and addresses: only Caller::kAdmin reads them.
#include <vector>

#include "service/internal/use_case.h"

namespace volmacht {

Result<std::vector<Letter>> MandateService::Outbox(const Caller& c) {
  if (auto ok = Authorize(c, Action::kReadOutbox); !ok) return Fail(ok.error());
  return impl_->store.ListLetters();
}

Result<Letter> MandateService::OutboxLetter(const Caller& c, const Uuid& id) {
  if (auto ok = Authorize(c, Action::kReadOutbox); !ok) return Fail(ok.error());
  Result<std::optional<Letter>> letter = impl_->store.GetLetter(id);
  if (!letter) return Fail(letter.error());
  if (!*letter) return Fail(Error::NotFound("Deze brief is er niet"));
  return std::move(**letter);
}

}  // namespace volmacht
