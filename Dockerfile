# One image per service: docker build --build-arg PROJECT=Metering.Service (or Metering.Settlement) .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG PROJECT=Metering.Service
WORKDIR /src
COPY . .
RUN dotnet publish services/${PROJECT}/${PROJECT}.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
ARG PROJECT=Metering.Service
ENV PROJECT_DLL=${PROJECT}.dll
WORKDIR /app
COPY --from=build /app .
EXPOSE 50051
ENTRYPOINT ["sh", "-c", "exec dotnet /app/$PROJECT_DLL"]
