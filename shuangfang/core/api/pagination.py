from django.utils.translation import gettext as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


class PageNumberPagination(pagination.PageNumberPagination):
    """`?page=N&page_size=M`, at most 500 a page (API contract, Lists).  A `page` or `page_size` that is not a
    positive whole number is refused (400) rather than read as the default, so a client's mistake is not
    answered with a page it did not ask for."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not _is_positive_int(raw):
            raise ValidationError({self.page_size_query_param: [_("每页条数须为正整数。")]})
        return min(int(raw), self.max_page_size)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is not None and raw not in self.last_page_strings and not _is_positive_int(raw):
            raise ValidationError({self.page_query_param: [_("页码须为正整数。")]})
        return super().get_page_number(request, paginator)


def _is_positive_int(raw: str) -> bool:
    return raw.isascii() and raw.isdigit() and int(raw) > 0
