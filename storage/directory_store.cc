#include "storage/directory_store.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

template <typename Record>
absl::StatusOr<Record> GetRecord(const Store::Rep& rep, ColumnFamily family, std::string_view kind,
                                 std::string_view id) {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(rep, family, id, &value));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no ", internal::Absl(kind), " with id \"",
                                            internal::Absl(id),
                                            "\"; list the directory for valid ids"));
  }
  Record record;
  RETURN_IF_ERROR(internal::ParseRecord(value, kind, &record));
  return record;
}

// Up to `limit` records of `family` with key > `after`, in key order.
template <typename Record>
absl::StatusOr<std::vector<Record>> ListAfter(const Store::Rep& rep, ColumnFamily family,
                                              std::string_view kind, std::string_view after,
                                              int limit) {
  if (limit <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page size ", limit, " is not positive; ask for at least one record"));
  }
  RETURN_IF_ERROR(rep.CheckOpen());
  std::vector<Record> records;
  std::unique_ptr<rocksdb::Iterator> it(
      rep.db->NewIterator(rocksdb::ReadOptions(), rep.cf(family)));
  it->Seek(internal::ToSlice(after));
  if (it->Valid() && internal::ToView(it->key()) == after) it->Next();
  for (; it->Valid() && static_cast<int>(records.size()) < limit; it->Next()) {
    RETURN_IF_ERROR(internal::ParseRecord(it->value(), kind, &records.emplace_back()));
  }
  RETURN_IF_ERROR(
      internal::FromRocksDb(it->status(), absl::StrCat("listing ", internal::Absl(kind), "s")));
  return records;
}

absl::StatusOr<bool> FamilyEmpty(const Store::Rep& rep, ColumnFamily family) {
  RETURN_IF_ERROR(rep.CheckOpen());
  std::unique_ptr<rocksdb::Iterator> it(
      rep.db->NewIterator(rocksdb::ReadOptions(), rep.cf(family)));
  it->SeekToFirst();
  const bool empty = !it->Valid();
  RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "reading the directory"));
  return empty;
}

}  // namespace

DirectoryStore::DirectoryStore(Store* store) : store_(store) {}

absl::Status DirectoryStore::CreatePlan(const hub::v1::Plan& plan) {
  absl::MutexLock lock(&write_mu_);
  Store::Rep& rep = internal::RepOf(*store_);
  std::string ignored;
  ASSIGN_OR_RETURN(const bool taken,
                   internal::Get(rep, ColumnFamily::kPlans, plan.plan_id(), &ignored));
  if (taken) {
    return absl::AlreadyExistsError(absl::StrCat(
        "plan \"", plan.plan_id(), "\" already exists; update it or choose another plan_id"));
  }
  WriteBatch batch;
  internal::Put(rep, batch, ColumnFamily::kPlans, internal::ToSlice(plan.plan_id()),
                plan.SerializeAsString());
  return store_->Commit(batch, Durability::kSync);
}

absl::Status DirectoryStore::UpdatePlan(const hub::v1::Plan& plan) {
  absl::MutexLock lock(&write_mu_);
  Store::Rep& rep = internal::RepOf(*store_);
  std::string ignored;
  ASSIGN_OR_RETURN(const bool exists,
                   internal::Get(rep, ColumnFamily::kPlans, plan.plan_id(), &ignored));
  if (!exists) {
    return absl::NotFoundError(
        absl::StrCat("no plan with id \"", plan.plan_id(), "\"; create it first"));
  }
  WriteBatch batch;
  internal::Put(rep, batch, ColumnFamily::kPlans, internal::ToSlice(plan.plan_id()),
                plan.SerializeAsString());
  return store_->Commit(batch, Durability::kSync);
}

absl::StatusOr<hub::v1::Plan> DirectoryStore::GetPlan(std::string_view plan_id) const {
  return GetRecord<hub::v1::Plan>(internal::RepOf(*store_), ColumnFamily::kPlans, "plan", plan_id);
}

absl::StatusOr<std::vector<hub::v1::Plan>> DirectoryStore::ListPlans(std::string_view after,
                                                                     int limit) const {
  return ListAfter<hub::v1::Plan>(internal::RepOf(*store_), ColumnFamily::kPlans, "plan", after,
                                  limit);
}

absl::Status DirectoryStore::CreateProvider(const hub::v1::Provider& provider) {
  absl::MutexLock lock(&write_mu_);
  Store::Rep& rep = internal::RepOf(*store_);
  std::string value;
  ASSIGN_OR_RETURN(const bool taken,
                   internal::Get(rep, ColumnFamily::kProviders, provider.provider_id(), &value));
  if (taken) {
    return absl::AlreadyExistsError(
        absl::StrCat("provider \"", provider.provider_id(),
                     "\" already exists; update it or choose another provider_id"));
  }
  WriteBatch batch;
  if (!provider.npi().empty()) {
    ASSIGN_OR_RETURN(const bool npi_taken,
                     internal::Get(rep, ColumnFamily::kProviderByNpi, provider.npi(), &value));
    if (npi_taken) {
      return absl::AlreadyExistsError(absl::StrCat(
          "NPI ", provider.npi(), " already belongs to provider \"", value, "\"; check the NPI"));
    }
    internal::Put(rep, batch, ColumnFamily::kProviderByNpi, internal::ToSlice(provider.npi()),
                  internal::ToSlice(provider.provider_id()));
  }
  internal::Put(rep, batch, ColumnFamily::kProviders, internal::ToSlice(provider.provider_id()),
                provider.SerializeAsString());
  return store_->Commit(batch, Durability::kSync);
}

absl::Status DirectoryStore::UpdateProvider(const hub::v1::Provider& provider) {
  absl::MutexLock lock(&write_mu_);
  Store::Rep& rep = internal::RepOf(*store_);
  ASSIGN_OR_RETURN(const hub::v1::Provider old,
                   GetRecord<hub::v1::Provider>(rep, ColumnFamily::kProviders, "provider",
                                                provider.provider_id()));
  WriteBatch batch;
  if (old.npi() != provider.npi()) {
    if (!provider.npi().empty()) {
      std::string owner;
      ASSIGN_OR_RETURN(const bool npi_taken,
                       internal::Get(rep, ColumnFamily::kProviderByNpi, provider.npi(), &owner));
      if (npi_taken && owner != provider.provider_id()) {
        return absl::AlreadyExistsError(absl::StrCat(
            "NPI ", provider.npi(), " already belongs to provider \"", owner, "\"; check the NPI"));
      }
      internal::Put(rep, batch, ColumnFamily::kProviderByNpi, internal::ToSlice(provider.npi()),
                    internal::ToSlice(provider.provider_id()));
    }
    if (!old.npi().empty()) {
      internal::Delete(rep, batch, ColumnFamily::kProviderByNpi, internal::ToSlice(old.npi()));
    }
  }
  internal::Put(rep, batch, ColumnFamily::kProviders, internal::ToSlice(provider.provider_id()),
                provider.SerializeAsString());
  return store_->Commit(batch, Durability::kSync);
}

absl::StatusOr<hub::v1::Provider> DirectoryStore::GetProvider(std::string_view provider_id) const {
  return GetRecord<hub::v1::Provider>(internal::RepOf(*store_), ColumnFamily::kProviders,
                                      "provider", provider_id);
}

absl::StatusOr<hub::v1::Provider> DirectoryStore::GetProviderByNpi(std::string_view npi) const {
  const Store::Rep& rep = internal::RepOf(*store_);
  std::string provider_id;
  ASSIGN_OR_RETURN(const bool found,
                   internal::Get(rep, ColumnFamily::kProviderByNpi, npi, &provider_id));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no provider has NPI ", internal::Absl(npi), "; check the NPI"));
  }
  absl::StatusOr<hub::v1::Provider> provider =
      GetRecord<hub::v1::Provider>(rep, ColumnFamily::kProviders, "provider", provider_id);
  if (absl::IsNotFound(provider.status())) {
    return absl::DataLossError(absl::StrCat("storage: the NPI index points at missing provider \"",
                                            provider_id,
                                            "\"; restore the data directory from a checkpoint"));
  }
  return provider;
}

absl::StatusOr<std::vector<hub::v1::Provider>> DirectoryStore::ListProviders(std::string_view after,
                                                                             int limit) const {
  return ListAfter<hub::v1::Provider>(internal::RepOf(*store_), ColumnFamily::kProviders,
                                      "provider", after, limit);
}

absl::Status DirectoryStore::Seed(const std::vector<hub::v1::Plan>& plans,
                                  const std::vector<hub::v1::Provider>& providers) {
  absl::MutexLock lock(&write_mu_);
  ASSIGN_OR_RETURN(const bool empty, Empty());
  if (!empty) {
    return absl::FailedPreconditionError(
        "the directory already has plans or providers; a seed loads only into an empty one");
  }
  Store::Rep& rep = internal::RepOf(*store_);
  WriteBatch batch;
  for (const hub::v1::Plan& plan : plans) {
    internal::Put(rep, batch, ColumnFamily::kPlans, internal::ToSlice(plan.plan_id()),
                  plan.SerializeAsString());
  }
  for (const hub::v1::Provider& provider : providers) {
    if (!provider.npi().empty()) {
      internal::Put(rep, batch, ColumnFamily::kProviderByNpi, internal::ToSlice(provider.npi()),
                    internal::ToSlice(provider.provider_id()));
    }
    internal::Put(rep, batch, ColumnFamily::kProviders, internal::ToSlice(provider.provider_id()),
                  provider.SerializeAsString());
  }
  return store_->Commit(batch, Durability::kSync);
}

absl::StatusOr<bool> DirectoryStore::Empty() const {
  ASSIGN_OR_RETURN(const bool no_plans,
                   FamilyEmpty(internal::RepOf(*store_), ColumnFamily::kPlans));
  if (!no_plans) return false;
  return FamilyEmpty(internal::RepOf(*store_), ColumnFamily::kProviders);
}

}  // namespace hub::storage
